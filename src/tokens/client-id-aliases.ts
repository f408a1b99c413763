import type { IncomingHttpHeaders } from 'node:http';
import { isGuid } from '../guid.ts';
import type { Db } from '../storage/database.ts';

/**
 * Client id aliases (migration 0017): the demo's and the first-party clients' readable names
 * (`contoso-automation`, `warden-cli`) stand for their application ids (GUIDs). THE one place an
 * alias resolves is here, at the authority's edge (tokens/authorities.ts), before oidc-provider
 * reads the request: `client_id` in the query or form and the client id of HTTP Basic
 * credentials (RFC 6749 §2.3.1) are replaced by the application id. oidc-provider, tokens
 * (`appid`, `azp`), grants, consents and sign-in logs therefore only ever see the GUID.
 *
 * Not rewritten: a client assertion's `iss`/`sub` (RFC 7523 §3), which is signed, must be the
 * application id itself (as Entra requires). A value that is a GUID, or no alias, is left as it
 * is (an unknown client is then refused as before).
 */
export async function applicationIdOfAlias(db: Db, value: string): Promise<string | undefined> {
  if (value === '' || value.length > 64 || isGuid(value)) return undefined;
  const row = await db
    .selectFrom('applications')
    .select('id')
    .where('client_id_alias', '=', value)
    .executeTakeFirst();
  return row?.id;
}

/** Replaces an aliased `client_id` of a query or form; true when it did. */
export async function resolveClientIdParam(db: Db, params: URLSearchParams): Promise<boolean> {
  const given = params.getAll('client_id');
  if (given.length !== 1) return false; // none, or duplicates that oidc-provider refuses itself
  const appId = await applicationIdOfAlias(db, given[0]!);
  if (appId === undefined) return false;
  params.set('client_id', appId);
  return true;
}

/**
 * Headers with the client id of HTTP Basic credentials resolved when it is an alias; the secret
 * part is carried over as it was sent, never decoded.
 */
export async function resolveClientIdInBasic(db: Db, headers: IncomingHttpHeaders): Promise<boolean> {
  const [scheme, value, ...rest] = (headers.authorization ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !value || rest.length > 0) return false;
  const basic = Buffer.from(value, 'base64').toString('utf8');
  const colon = basic.indexOf(':');
  if (colon <= 0) return false;
  let clientId: string;
  try {
    clientId = decodeURIComponent(basic.slice(0, colon).replace(/\+/g, '%20'));
  } catch {
    return false;
  }
  const appId = await applicationIdOfAlias(db, clientId);
  if (appId === undefined) return false;
  headers.authorization = `Basic ${Buffer.from(`${appId}${basic.slice(colon)}`, 'utf8').toString('base64')}`;
  return true;
}
