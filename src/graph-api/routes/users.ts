import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { usageLocationsOf } from '../../directory/usage-locations.ts';
import {
  createDirectoryUser,
  type DirectoryUserUpdate,
  deleteDirectoryUser,
  type NewDirectoryUser,
  updateDirectoryUser,
} from '../../directory/user-admin.ts';
import {
  countUsers,
  queryUsers,
  type UserCondition,
  type UserTextField,
  userColumn,
} from '../../directory/user-queries.ts';
import type { User, UserProfile } from '../../directory/users.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { graphCallerOf } from '../gate.ts';
import { type ListingColumn, listingInput, listingKey, queryHeaders } from '../listing.ts';
import {
  countNeedsEventual,
  type FilterClause,
  isEventual,
  parseQuery,
  refuseListingOptions,
} from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';
import { authenticationMethodsRoutes } from './users-authentication-methods.ts';
import { resetPasswordRoutes } from './users-password.ts';
import { revokeSessionsRoutes } from './users-sessions.ts';
import {
  extrasOf,
  PROFILE_SCHEMA,
  USER_SHAPE,
  userEntity,
  userOr404,
  wantsUsageLocation,
} from './users-shape.ts';
import { temporaryAccessPassRoutes } from './users-temporary-access-pass.ts';

const NAME = { type: 'string', minLength: 1, maxLength: 256 } as const;
const OPTIONAL_NAME = { type: ['string', 'null'], maxLength: 64 } as const;
const UPN = { type: 'string', minLength: 3, maxLength: 320 } as const;
const PASSWORD_PROFILE = {
  type: 'object',
  additionalProperties: false,
  properties: {
    password: { type: 'string', maxLength: 1024 },
    forceChangePasswordNextSignIn: { type: 'boolean' },
  },
} as const;

/** The columns `$orderby` and `$search` use (directory/listing.ts). */
const USER_COLUMNS: Record<string, ListingColumn> = {
  displayName: { column: userColumn('displayName'), kind: 'text' },
  userPrincipalName: { column: userColumn('userPrincipalName'), kind: 'text' },
  mail: { column: userColumn('mail'), kind: 'text' },
  jobTitle: { column: userColumn('jobTitle'), kind: 'text' },
  createdDateTime: { column: userColumn('createdDateTime'), kind: 'number' },
};

/** A user's value of a sortable property, as its row holds it (createdDateTime in milliseconds). */
function sortValue(user: User) {
  return (property: string): string | number | null => {
    switch (property) {
      case 'createdDateTime':
        return user.createdAt;
      case 'displayName':
        return user.displayName;
      case 'userPrincipalName':
        return user.userPrincipalName;
      case 'mail':
        return user.profile.mail;
      default:
        return user.profile.jobTitle;
    }
  };
}

// The key of a row rides along under a symbol: JSON leaves it out of the answer.
const KEY = Symbol('key');

/** Graph `users` (issue 4 item 1): list, get, create, update (disable), delete; the reset and revoke actions. */
export function usersRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const baseUrl = ctx.config.baseUrl;

  api.get(
    '/users',
    { config: { graph: { operation: 'users.list', permission: 'users.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, USER_SHAPE, { defaultTop: 100, maxTop: 999 }, queryHeaders(req));
      const conditions = query.filter.map(conditionOf);
      const listing = listingInput(query, USER_COLUMNS);
      const rows = await queryUsers(ctx.db, tenantId, {
        conditions,
        listing,
        dbKind: ctx.dbKind,
        limit: query.top + 1,
      });
      const locations = wantsUsageLocation(query.select)
        ? await usageLocationsOf(
            ctx.db,
            tenantId,
            rows.map((u) => u.id),
          )
        : undefined;
      return sendPage(req, reply, {
        baseUrl,
        resource: 'users',
        rows: rows.map((user) => ({
          ...userEntity(user, locations ? { usageLocation: locations.get(user.id) ?? null } : {}),
          [KEY]: listingKey(query, USER_COLUMNS, { id: user.id, sortValue: sortValue(user) }),
        })),
        query,
        keyOf: (row) => row[KEY],
        ...(query.count
          ? { count: await countUsers(ctx.db, tenantId, { conditions, listing: { search: listing.search } }) }
          : {}),
      });
    },
  );

  // Graph: `/users/$count` is the number alone, as text/plain, an advanced query.
  api.get(
    '/users/$count',
    { config: { graph: { operation: 'users.count', permission: 'users.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      if (!isEventual(queryHeaders(req))) throw countNeedsEventual();
      const query = parseQuery(req.query, USER_SHAPE, undefined, queryHeaders(req));
      if (query.select || query.after || query.orderBy || query.count !== undefined)
        throw new GraphError('Request_UnsupportedQuery', '/$count takes $filter and $search only.');
      const listing = listingInput(query, USER_COLUMNS);
      const n = await countUsers(ctx.db, tenantId, {
        conditions: query.filter.map(conditionOf),
        listing: { search: listing.search },
      });
      return reply.type('text/plain; charset=utf-8').send(String(n));
    },
  );

  api.get<{ Params: { id: string }; Querystring: Record<string, string> }>(
    '/users/:id',
    { config: { graph: { operation: 'users.get', permission: 'users.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, USER_SHAPE);
      refuseListingOptions(query, 'a single user');
      if (query.filter.length > 0 || query.after !== undefined)
        throw new GraphError('Request_UnsupportedQuery', 'Only $select applies to a single user.');
      const user = await userOr404(ctx, tenantId, req.params.id);
      return sendEntity(reply, {
        baseUrl,
        resource: 'users/$entity',
        entity: userEntity(user, await extrasOf(ctx, user, query.select)),
        ...(query.select ? { select: query.select } : {}),
      });
    },
  );

  api.post<{ Body: Omit<NewDirectoryUser, 'profile'> & ProfileBody & { mailNickname?: string } }>(
    '/users',
    {
      config: { graph: { operation: 'users.create', permission: 'users.write' } },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['accountEnabled', 'displayName', 'userPrincipalName', 'passwordProfile'],
          properties: {
            accountEnabled: { type: 'boolean' },
            displayName: NAME,
            // Graph asks for it; Warden has no mailboxes, so it is accepted and not kept.
            mailNickname: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^@\\s]+$' },
            userPrincipalName: UPN,
            givenName: OPTIONAL_NAME,
            surname: OPTIONAL_NAME,
            passwordProfile: { ...PASSWORD_PROFILE, required: ['password'] },
            ...PROFILE_SCHEMA,
          },
        },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const { mailNickname: _ignored, usageLocation, ...input } = req.body;
      const { fields, profile } = splitProfile(input);
      const user = await createDirectoryUser(ctx, tenantId, {
        ...fields,
        givenName: fields.givenName ?? undefined,
        surname: fields.surname ?? undefined,
        profile,
        usageLocation,
      });
      return sendEntity(reply, { baseUrl, resource: 'users/$entity', entity: userEntity(user), status: 201 });
    },
  );

  api.patch<{ Params: { id: string }; Body: Omit<DirectoryUserUpdate, 'profile'> & ProfileBody }>(
    '/users/:id',
    {
      config: { graph: { operation: 'users.update', permission: 'users.write' } },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            accountEnabled: { type: 'boolean' },
            displayName: NAME,
            userPrincipalName: UPN,
            givenName: OPTIONAL_NAME,
            surname: OPTIONAL_NAME,
            passwordProfile: PASSWORD_PROFILE,
            ...PROFILE_SCHEMA,
          },
        },
      },
    },
    async (req, reply) => {
      const { tenantId, user: actor } = graphCallerOf(req);
      const target = await userOr404(ctx, tenantId, req.params.id);
      const { fields, profile } = splitProfile(req.body ?? {});
      await updateDirectoryUser(ctx, actor, target, { ...fields, profile });
      return reply.code(204).send();
    },
  );

  api.delete<{ Params: { id: string } }>(
    '/users/:id',
    { config: { graph: { operation: 'users.delete', permission: 'users.write' } } },
    async (req, reply) => {
      const { tenantId, user: actor } = graphCallerOf(req);
      const target = await userOr404(ctx, tenantId, req.params.id);
      await deleteDirectoryUser(ctx, actor, target);
      return reply.code(204).send();
    },
  );

  resetPasswordRoutes(api, ctx);
  revokeSessionsRoutes(api, ctx);
  temporaryAccessPassRoutes(api, ctx);
  authenticationMethodsRoutes(api, ctx);
}

const NULLABLE = new Set(['mail', 'jobTitle', 'mobilePhone', 'officeLocation', 'preferredLanguage']);

/** The profile properties of a POST or PATCH body, apart from the account's own. */
interface ProfileBody {
  mail?: string | null;
  businessPhones?: string[];
  jobTitle?: string | null;
  mobilePhone?: string | null;
  officeLocation?: string | null;
  preferredLanguage?: string | null;
  usageLocation?: string | null;
}

function splitProfile<T extends ProfileBody>(body: T) {
  const { mail, businessPhones, jobTitle, mobilePhone, officeLocation, preferredLanguage, ...fields } = body;
  const profile: Partial<UserProfile> = {};
  if (mail !== undefined) profile.mail = mail;
  if (businessPhones !== undefined) profile.businessPhones = businessPhones;
  if (jobTitle !== undefined) profile.jobTitle = jobTitle;
  if (mobilePhone !== undefined) profile.mobilePhone = mobilePhone;
  if (officeLocation !== undefined) profile.officeLocation = officeLocation;
  if (preferredLanguage !== undefined) profile.preferredLanguage = preferredLanguage;
  return { fields, profile };
}

/** `$filter` clauses in the directory's terms. */
function conditionOf(clause: FilterClause): UserCondition {
  const { property, value } = clause;
  if (value === null) {
    // Graph: `eq null` on the optional text properties.
    if (clause.operator === 'eq' && NULLABLE.has(property))
      return { field: property as UserTextField, op: 'null', value: null };
    throw new GraphError('Request_UnsupportedQuery', `'${property}' cannot be compared with null.`);
  }
  switch (property) {
    case 'userPrincipalName':
    case 'displayName':
    case 'mail':
    case 'jobTitle':
    case 'mobilePhone':
    case 'officeLocation':
    case 'preferredLanguage':
      return {
        field: property,
        op: clause.operator === 'startswith' ? 'startswith' : 'eq',
        value: String(value),
      };
    case 'accountEnabled':
      return { field: 'accountEnabled', op: 'eq', value: value === true };
    case 'id':
      return { field: 'id', op: 'eq', value: String(value) };
    case 'userType': {
      const kind = String(value).toLowerCase();
      if (kind === 'member') return { field: 'userType', op: 'in', value: ['member', 'service'] };
      if (kind === 'guest') return { field: 'userType', op: 'in', value: ['guest'] };
      throw new GraphError('Request_UnsupportedQuery', "userType is 'Member' or 'Guest'.");
    }
    default:
      throw new GraphError('Request_UnsupportedQuery', `The property '${property}' cannot be filtered.`);
  }
}
