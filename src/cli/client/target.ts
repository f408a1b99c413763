import { type Flags, type Invocation, stringFlag } from '../command.ts';
import { NotSignedInError, UsageError } from '../errors.ts';
import { accessTokenFor, loginHint } from '../session/access-token.ts';
import { type StoredSession, TokenCache } from '../session/token-cache.ts';

export const DEFAULT_SERVER = 'http://localhost:3000';

/** Flags every client command takes. */
export const CLIENT_FLAGS: Flags = {
  server: {
    type: 'string',
    value: '<url>',
    description: `The Warden server (default: $WARDEN_SERVER, else ${DEFAULT_SERVER}).`,
  },
  tenant: {
    type: 'string',
    value: '<domain or id>',
    description: 'The tenant (default: the one last signed in to at this server).',
  },
};

export const JSON_FLAG: Flags = { json: { type: 'boolean', description: 'Print the result as JSON.' } };

/** Which server and tenant a client command talks to, and the token cache. */
export interface Target {
  server: string;
  /** Whether the server is the default one (then hints need not name it). */
  defaultServer: boolean;
  tenant: string | undefined;
  json: boolean;
  cache: TokenCache;
}

export function normalizeServer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`'${value}' is not a server URL.`, 'Example: --server https://warden.example.com');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`The server URL must be http or https: ${value}`);
  return url.href.replace(/\/+$/, '');
}

export function targetOf(invocation: Invocation): Target {
  const given = stringFlag(invocation, 'server') ?? process.env.WARDEN_SERVER;
  const server = normalizeServer(given || DEFAULT_SERVER);
  return {
    server,
    defaultServer: server === DEFAULT_SERVER,
    tenant: stringFlag(invocation, 'tenant'),
    json: invocation.values.json === true,
    cache: new TokenCache(),
  };
}

export function hintFor(target: Target, tenant = target.tenant): string {
  return loginHint(tenant, target.server, target.defaultServer);
}

/** The cached session the command acts in; "not signed in" (exit 3) when there is none. */
export function sessionOf(target: Target): StoredSession {
  const session = target.cache.find(target.server, target.tenant);
  if (session) return session;
  throw new NotSignedInError(
    target.tenant
      ? `Not signed in to ${target.tenant} at ${target.server}.`
      : `Not signed in at ${target.server}.`,
    hintFor(target),
  );
}

/** An access token of the signed-in user for one of the APIs, from the cache or by refreshing. */
export async function tokenFor(
  target: Target,
  resource: string,
): Promise<{ token: string; session: StoredSession }> {
  const session = sessionOf(target);
  const token = await accessTokenFor(target.cache, session, resource, hintFor(target, session.tenantName));
  return { token, session };
}
