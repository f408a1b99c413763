/** Resource servers Warden issues JWT access tokens for (issue 2 item 5). */
export const PARTNER_API = 'urn:warden:partner-api';

export interface ResourceServer {
  audience: string;
  /** Delegated scopes, named Entra-style as `{audience}/{scope}`. */
  scopes: string[];
}

export const RESOURCE_SERVERS: ReadonlyMap<string, ResourceServer> = new Map([
  [
    PARTNER_API,
    { audience: PARTNER_API, scopes: [`${PARTNER_API}/user_impersonation`, `${PARTNER_API}/.default`] },
  ],
]);

/** The resource a request means when it names none: the one whose scope it asks for (Entra style). */
export function resourceFromScope(scope: unknown): string | undefined {
  if (typeof scope !== 'string') return undefined;
  for (const value of scope.split(' ')) {
    const slash = value.lastIndexOf('/');
    if (slash > 0 && RESOURCE_SERVERS.has(value.slice(0, slash))) return value.slice(0, slash);
  }
  return undefined;
}

/** `scp` of an access token: the scope names without their resource prefix, as Entra writes them. */
export function scpFrom(scope: string | undefined): string | undefined {
  const names = (scope ?? '')
    .split(' ')
    .filter((s) => s.includes('/'))
    .map((s) => s.slice(s.lastIndexOf('/') + 1))
    .filter((s) => s !== '.default');
  return names.length ? names.join(' ') : undefined;
}
