import { type ApplicationApi, NO_API } from '../../directory/application-apis.ts';
import type { PasswordCredential } from '../../directory/application-credentials.ts';
import type { KeyCredential } from '../../directory/application-key-credentials.ts';
import type { Application } from '../../directory/applications.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { RESOURCE_SERVERS } from '../../tokens/audiences.ts';
import type { ResourceShape } from '../odata.ts';
import { EXPOSED_API_PROPERTIES, type ExposedApiBody, graphExposedApi } from './applications-api-shape.ts';
import {
  graphKeyCredential,
  KEY_CREDENTIALS_SCHEMA,
  type KeyCredentialInput,
} from './applications-key-credentials.ts';

/**
 * Graph's `application` and `passwordCredential` shapes for Warden's applications (issue 4 item 1).
 * `appId` is the application (client) id and `id` the application object's id, two GUIDs as in
 * Entra. `requiredResourceAccess` names scopes and app roles by their names,
 * not by Graph's GUIDs: Warden's resources define no GUIDs for them.
 */

export const APPLICATION_SHAPE: ResourceShape = {
  type: 'microsoft.graph.application',
  properties: {
    id: { type: 'string' },
    appId: { type: 'string', filter: ['eq'] },
    displayName: { type: 'string', filter: ['eq', 'startswith'] },
    signInAudience: { type: 'string' },
    createdDateTime: { type: 'dateTime' },
    isFallbackPublicClient: { type: 'boolean' },
    publicClient: { type: 'string' },
    web: { type: 'string' },
    requiredResourceAccess: { type: 'string' },
    passwordCredentials: { type: 'string' },
    keyCredentials: { type: 'string' },
    identifierUris: { type: 'string' },
    api: { type: 'string' },
    appRoles: { type: 'string' },
  },
};

export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs';

export interface ResourceAccess {
  resourceAppId: string;
  resourceAccess: { id: string; type: 'Scope' | 'Role' }[];
}

export function graphPasswordCredential(credential: PasswordCredential, secretText: string | null = null) {
  return {
    customKeyIdentifier: null,
    displayName: credential.displayName,
    endDateTime: iso(credential.endAt),
    hint: credential.hint,
    keyId: credential.keyId,
    // Graph's field is always present; it holds the secret only in addPassword's answer.
    secretText,
    startDateTime: iso(credential.startAt),
  };
}

export function graphApplication(
  app: Application,
  credentials: readonly PasswordCredential[],
  keyCredentials: readonly KeyCredential[] = [],
  api: ApplicationApi = NO_API,
) {
  const isPublic = app.clientType === 'public';
  return {
    id: app.objectId,
    appId: app.id,
    displayName: app.displayName,
    signInAudience: (app.multiTenant ? 'AzureADMultipleOrgs' : 'AzureADMyOrg') satisfies SignInAudience,
    createdDateTime: iso(app.createdAt),
    isFallbackPublicClient: isPublic,
    publicClient: { redirectUris: isPublic ? app.redirectUris : [] },
    web: { redirectUris: isPublic ? [] : app.redirectUris },
    requiredResourceAccess: resourceAccessOf(app),
    passwordCredentials: credentials.map((c) => graphPasswordCredential(c)),
    keyCredentials: keyCredentials.map((c) => graphKeyCredential(c)),
    ...graphExposedApi(api),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What the application may ask for, back in Graph's shape, one entry per resource. */
function resourceAccessOf(app: Application): ResourceAccess[] {
  const out: ResourceAccess[] = [];
  for (const server of RESOURCE_SERVERS.values()) {
    const access: ResourceAccess['resourceAccess'] = [];
    for (const scope of app.allowedScopes) {
      const name = scope.slice(server.audience.length + 1);
      if (scope.startsWith(`${server.audience}/`) && name !== '.default')
        access.push({ id: name, type: 'Scope' });
    }
    for (const role of app.grantedAppRoles) {
      if (server.appRoles.includes(role)) access.push({ id: role, type: 'Role' });
    }
    if (access.length) out.push({ resourceAppId: server.audience, resourceAccess: access });
  }
  return out;
}

/**
 * Graph's `requiredResourceAccess` as the scopes the client may request and the app roles granted
 * to it. Unknown resources, scopes and roles are refused, never ignored. App roles need a secret
 * (client credentials), so a public client cannot hold them; asking for one also allows
 * `{resource}/.default`, the scope client credentials are requested with.
 */
export function accessFromRequired(
  required: readonly ResourceAccess[],
  clientType: Application['clientType'],
): { allowedScopes: string[]; grantedAppRoles: string[] } {
  const scopes = new Set<string>();
  const roles = new Set<string>();
  for (const entry of required) {
    const server = RESOURCE_SERVERS.get(entry.resourceAppId);
    if (!server)
      throw new GraphError(
        'Request_BadRequest',
        `Unknown resourceAppId '${entry.resourceAppId}'; use one of: ${[...RESOURCE_SERVERS.keys()].join(', ')}.`,
      );
    for (const access of entry.resourceAccess) {
      if (access.type === 'Scope') {
        const scope = `${server.audience}/${access.id}`;
        if (access.id === '.default' || !server.scopes.includes(scope))
          throw new GraphError(
            'Request_BadRequest',
            `'${access.id}' is not a delegated permission (Scope) of ${server.audience}.`,
          );
        scopes.add(scope);
      } else {
        if (!server.appRoles.includes(access.id))
          throw new GraphError(
            'Request_BadRequest',
            `'${access.id}' is not an application permission (Role) of ${server.audience}.`,
          );
        if (clientType === 'public')
          throw new GraphError(
            'Request_BadRequest',
            'A public client cannot hold application permissions (Role): app-only access needs a client secret.',
          );
        roles.add(access.id);
        scopes.add(`${server.audience}/.default`);
      }
    }
  }
  return { allowedScopes: [...scopes], grantedAppRoles: [...roles] };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Redirect URIs Warden accepts: https, or http on the loopback interface only (RFC 8252 §7.3, §8.3:
 * plain http elsewhere exposes the code), absolute, without a fragment (RFC 6749 §3.1.2).
 */
export function checkRedirectUris(uris: readonly string[], where: string): string[] {
  for (const uri of uris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new GraphError(
        'Request_BadRequest',
        `Invalid value for '${where}': '${uri}' is not an absolute URI.`,
      );
    }
    const ok = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
    if (!ok)
      throw new GraphError(
        'Request_BadRequest',
        `Invalid value for '${where}': '${uri}' must use https, or http on localhost, 127.0.0.1 or [::1] (RFC 8252).`,
      );
    if (url.hash !== '' || uri.includes('#'))
      throw new GraphError(
        'Request_BadRequest',
        `Invalid value for '${where}': '${uri}' must not have a fragment.`,
      );
    if (url.username !== '' || url.password !== '')
      throw new GraphError(
        'Request_BadRequest',
        `Invalid value for '${where}': '${uri}' must not carry credentials.`,
      );
  }
  return [...new Set(uris)];
}

// ---- request bodies (JSON schema; an unknown property is a 400 Request_BadRequest) -------------

const redirectUris = {
  type: 'object',
  additionalProperties: false,
  properties: {
    redirectUris: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 2048 } },
  },
} as const;

export const CREATE_BODY = {
  type: 'object',
  required: ['displayName'],
  additionalProperties: false,
  properties: {
    displayName: { type: 'string', minLength: 1, maxLength: 256 },
    signInAudience: { type: 'string', enum: ['AzureADMyOrg', 'AzureADMultipleOrgs'] },
    publicClient: redirectUris,
    web: redirectUris,
    ...EXPOSED_API_PROPERTIES,
    requiredResourceAccess: {
      type: 'array',
      maxItems: 10,
      items: {
        type: 'object',
        required: ['resourceAppId', 'resourceAccess'],
        additionalProperties: false,
        properties: {
          resourceAppId: { type: 'string', maxLength: 256 },
          resourceAccess: {
            type: 'array',
            maxItems: 50,
            items: {
              type: 'object',
              required: ['id', 'type'],
              additionalProperties: false,
              properties: {
                id: { type: 'string', minLength: 1, maxLength: 256 },
                type: { type: 'string', enum: ['Scope', 'Role'] },
              },
            },
          },
        },
      },
    },
  },
} as const;

export interface CreateBody extends ExposedApiBody {
  displayName: string;
  signInAudience?: SignInAudience;
  publicClient?: { redirectUris?: string[] };
  web?: { redirectUris?: string[] };
  requiredResourceAccess?: ResourceAccess[];
}

export const UPDATE_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    displayName: { type: 'string', minLength: 1, maxLength: 256 },
    publicClient: redirectUris,
    web: redirectUris,
    keyCredentials: KEY_CREDENTIALS_SCHEMA,
    ...EXPOSED_API_PROPERTIES,
  },
} as const;

export interface UpdateBody extends ExposedApiBody {
  displayName?: string;
  keyCredentials?: KeyCredentialInput[];
  publicClient?: { redirectUris?: string[] };
  web?: { redirectUris?: string[] };
}
