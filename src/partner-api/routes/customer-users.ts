import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { DirectoryError } from '../../directory/directory-error.ts';
import { PartnerApiError, type PartnerApiErrorCode } from '../../errors/partner-api-errors.ts';
import {
  type CustomerUser,
  createCustomerUser,
  listCustomerUsers,
} from '../../partner-center/customer-users.ts';
import { APP_USER_ONLY } from '../declarations.ts';
import { collection } from '../responses.ts';
import { delegatedCustomerOf } from './caller.ts';
import { CUSTOMER_ID_PARAM } from './customers-shape.ts';

/** Partner Center's `CustomerUser` resource (no password: Warden keeps only its hash). */
export function customerUserShape(u: CustomerUser, domain: string) {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    firstName: u.givenName,
    lastName: u.surname,
    usageLocation: u.usageLocation,
    userDomainType: u.userPrincipalName.endsWith(`@${domain}`) ? 'emailDomain' : 'external',
    state: u.accountEnabled ? 'active' : 'inactive',
    attributes: { objectType: 'CustomerUser' },
  };
}

/** Partner Center's `CustomerUser` as a creation request takes it (camelCase, like every body here). */
const NEW_USER_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['userPrincipalName', 'displayName', 'passwordProfile'],
  properties: {
    userPrincipalName: { type: 'string', minLength: 3, maxLength: 113 },
    displayName: { type: 'string', minLength: 1, maxLength: 256 },
    firstName: { type: 'string', maxLength: 64 },
    lastName: { type: 'string', maxLength: 64 },
    usageLocation: { type: 'string', pattern: '^[A-Za-z]{2}$' },
    passwordProfile: {
      type: 'object',
      additionalProperties: false,
      required: ['password'],
      properties: {
        password: { type: 'string', minLength: 1, maxLength: 256 },
        forceChangePassword: { type: 'boolean' },
      },
    },
    attributes: { type: 'object' },
  },
} as const;

interface NewUserBody {
  userPrincipalName: string;
  displayName: string;
  firstName?: string;
  lastName?: string;
  usageLocation?: string;
  passwordProfile: { password: string; forceChangePassword?: boolean };
}

/** The directory's refusals in the Partner API's codes (the message travels unchanged). */
const PARTNER_CODE: Record<DirectoryError['code'], PartnerApiErrorCode> = {
  not_found: 'not_found',
  conflict: 'conflict',
  invalid: 'invalid_request',
  password_policy: 'invalid_request',
  refused: 'delegated_role_required',
  last_global_admin: 'invalid_request',
};

/**
 * Users of a customer tenant: work inside the customer's directory, so App+User only (SPEC E2:
 * app-only tokens cannot do what needs a delegated role in a customer tenant), and only with the
 * roles the gate finds the caller holds there now (GDAP or DAP; delegated-roles.ts).
 */
export function customerUserRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Params: { id: string } }>(
    '/customers/:id/users',
    {
      config: {
        partnerApi: {
          operation: 'customerusers.list',
          category: 'user-management',
          modes: APP_USER_ONLY,
          access: 'read',
          delegated: 'users.read',
        },
      },
      schema: { params: CUSTOMER_ID_PARAM },
    },
    async (req) => {
      const customer = delegatedCustomerOf(req);
      const users = await listCustomerUsers(ctx, customer.customerTenantId);
      return collection(
        users.map((u) => customerUserShape(u, customer.domain)),
        req.url,
      );
    },
  );

  api.post<{ Params: { id: string }; Body: NewUserBody }>(
    '/customers/:id/users',
    {
      config: {
        partnerApi: {
          operation: 'customerusers.create',
          category: 'user-management',
          modes: APP_USER_ONLY,
          access: 'write',
          delegated: 'users.create',
        },
      },
      schema: { params: CUSTOMER_ID_PARAM, body: NEW_USER_BODY },
    },
    async (req, reply) => {
      const customer = delegatedCustomerOf(req);
      const body = req.body;
      try {
        const user = await createCustomerUser(ctx, customer.customerTenantId, {
          userPrincipalName: body.userPrincipalName,
          displayName: body.displayName,
          firstName: body.firstName,
          lastName: body.lastName,
          usageLocation: body.usageLocation,
          password: body.passwordProfile.password,
          // Partner Center: the user changes the initial password at first sign-in unless told otherwise.
          forceChangePassword: body.passwordProfile.forceChangePassword ?? true,
        });
        return reply
          .code(201)
          .header('Location', `${req.url.replace(/\/+$/, '')}/${user.id}`)
          .send(customerUserShape(user, customer.domain));
      } catch (error) {
        if (error instanceof DirectoryError)
          throw new PartnerApiError(PARTNER_CODE[error.code], error.message);
        throw error;
      }
    },
  );
}
