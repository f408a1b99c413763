import type { ApplicationApi, AppRole, PermissionScope } from '../../directory/application-apis.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { isGuid } from '../../guid.ts';

/*
 * Graph's "expose an API" properties of an `application` (issue 13): `identifierUris`,
 * `api.oauth2PermissionScopes` and `appRoles`, in Graph's shape. `api.wardenAccessTokenType` is a
 * Warden extension (docs/resources.md): the `typ` header of the API's access tokens, Entra's `JWT`
 * (the default) or RFC 9068's `at+jwt`.
 */

/** The properties as Graph returns them. */
export function graphExposedApi(api: ApplicationApi) {
  return {
    identifierUris: api.identifierUris,
    api: {
      acceptMappedClaims: null,
      knownClientApplications: [],
      // Warden issues v2.0 access tokens to every resource (`aud` the application id).
      requestedAccessTokenVersion: 2,
      oauth2PermissionScopes: api.scopes,
      preAuthorizedApplications: [],
      wardenAccessTokenType: api.accessTokenType,
    },
    appRoles: api.appRoles,
  };
}

const text = { type: ['string', 'null'], maxLength: 1024 } as const;

/** The request-body properties of POST and PATCH (JSON schema; unknown members are refused). */
export const EXPOSED_API_PROPERTIES = {
  identifierUris: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 255 } },
  api: {
    type: 'object',
    additionalProperties: false,
    properties: {
      requestedAccessTokenVersion: { type: ['integer', 'null'], enum: [2, null] },
      wardenAccessTokenType: { type: 'string', enum: ['JWT', 'at+jwt'] },
      oauth2PermissionScopes: {
        type: 'array',
        maxItems: 100,
        items: {
          type: 'object',
          required: ['id', 'value'],
          additionalProperties: false,
          properties: {
            id: { type: 'string' },
            value: { type: 'string', minLength: 1, maxLength: 120 },
            type: { type: 'string', enum: ['User', 'Admin'] },
            isEnabled: { type: 'boolean' },
            adminConsentDisplayName: text,
            adminConsentDescription: text,
            userConsentDisplayName: text,
            userConsentDescription: text,
          },
        },
      },
    },
  },
  appRoles: {
    type: 'array',
    maxItems: 100,
    items: {
      type: 'object',
      required: ['id', 'value', 'allowedMemberTypes'],
      additionalProperties: false,
      properties: {
        id: { type: 'string' },
        value: { type: 'string', minLength: 1, maxLength: 120 },
        displayName: text,
        description: text,
        isEnabled: { type: 'boolean' },
        allowedMemberTypes: {
          type: 'array',
          minItems: 1,
          items: { type: 'string', enum: ['User', 'Application'] },
        },
      },
    },
  },
} as const;

type Nullable<T> = { [K in keyof T]?: T[K] | null };

export interface ExposedApiBody {
  identifierUris?: string[];
  api?: {
    requestedAccessTokenVersion?: 2 | null;
    wardenAccessTokenType?: ApplicationApi['accessTokenType'];
    oauth2PermissionScopes?: (Pick<PermissionScope, 'id' | 'value'> &
      Nullable<Omit<PermissionScope, 'id' | 'value'>>)[];
  };
  appRoles?: (Pick<AppRole, 'id' | 'value' | 'allowedMemberTypes'> &
    Nullable<Omit<AppRole, 'id' | 'value' | 'allowedMemberTypes'>>)[];
}

function bad(message: string): GraphError {
  return new GraphError('Request_BadRequest', message);
}

// Entra: a scope or role value has no spaces and does not start with a dot (`.default` is Entra's).
const VALUE = /^[A-Za-z0-9!#$%&'()*+,\-/:;<=>?@[\]^_`{|}~][\x21-\x7e]*$/;

function checkValues(kind: string, entries: readonly { id: string; value: string }[]): void {
  const ids = new Set<string>();
  const values = new Set<string>();
  for (const { id, value } of entries) {
    if (!isGuid(id)) throw bad(`Invalid value for '${kind}.id': '${id}' is not a GUID.`);
    if (!VALUE.test(value) || value.startsWith('.'))
      throw bad(`Invalid value for '${kind}.value': '${value}' (no spaces, and not starting with '.').`);
    if (ids.has(id.toLowerCase()) || values.has(value))
      throw bad(`'${kind}' has two entries with the id '${id}' or the value '${value}'.`);
    ids.add(id.toLowerCase());
    values.add(value);
  }
}

/**
 * Identifier URIs Warden accepts: Entra's default form `api://…` (absolute, without query,
 * fragment or trailing slash, since scopes are named `{uri}/{value}`), each once.
 */
function checkIdentifierUris(uris: readonly string[]): string[] {
  for (const uri of uris) {
    const url = URL.parse(uri);
    if (url?.protocol !== 'api:' || uri.length <= 'api://'.length || uri.endsWith('/'))
      throw bad(
        `Invalid value for 'identifierUris': '${uri}' must be of the form api://{appId} (no trailing '/').`,
      );
    // (url is set here: a URI that did not parse has no protocol and was refused above.)
    if (uri.includes('#') || uri.includes('?') || /\s/.test(uri))
      throw bad(`Invalid value for 'identifierUris': '${uri}' must not carry a query or fragment.`);
  }
  return [...new Set(uris)];
}

/** The parts of the API a POST or PATCH body sets (each given part replaces the stored one). */
export function exposedApiFromBody(body: ExposedApiBody): Partial<ApplicationApi> {
  const out: Partial<ApplicationApi> = {};
  if (body.identifierUris !== undefined) out.identifierUris = checkIdentifierUris(body.identifierUris);
  if (body.api?.wardenAccessTokenType !== undefined) out.accessTokenType = body.api.wardenAccessTokenType;
  const scopes = body.api?.oauth2PermissionScopes;
  if (scopes !== undefined) {
    checkValues('api.oauth2PermissionScopes', scopes);
    // Fail closed: Warden has no admin consent yet, so an Admin scope would be granted on a user's
    // consent (or to a first-party client) like any other: refused until it can be kept for admins.
    if (scopes.some((s) => s.type === 'Admin'))
      throw bad(
        "api.oauth2PermissionScopes: type 'Admin' is not supported yet (Warden has no admin consent); use 'User'.",
      );
    out.scopes = scopes.map((s) => ({
      id: s.id.toLowerCase(),
      value: s.value,
      type: s.type ?? 'User',
      isEnabled: s.isEnabled ?? true,
      adminConsentDisplayName: s.adminConsentDisplayName ?? null,
      adminConsentDescription: s.adminConsentDescription ?? null,
      userConsentDisplayName: s.userConsentDisplayName ?? null,
      userConsentDescription: s.userConsentDescription ?? null,
    }));
  }
  if (body.appRoles !== undefined) {
    checkValues('appRoles', body.appRoles);
    out.appRoles = body.appRoles.map((r) => ({
      id: r.id.toLowerCase(),
      value: r.value,
      displayName: r.displayName ?? null,
      description: r.description ?? null,
      allowedMemberTypes: [...new Set(r.allowedMemberTypes)],
      isEnabled: r.isEnabled ?? true,
    }));
  }
  return out;
}

/** Whether a body sets any part of the API. */
export function setsExposedApi(changes: Partial<ApplicationApi>): boolean {
  return Object.keys(changes).length > 0;
}
