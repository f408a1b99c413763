import type { WardenContext } from '../context.ts';
import { ensureFirstPartyClient } from '../relying-party/first-party-client.ts';
import type { FirstPartyClient } from '../relying-party/oidc-client.ts';

/**
 * The dashboard's application id: fixed, as a first-party app's is in Entra (migration 0017 moved
 * the client registered before under its readable name, which stays its client id alias).
 */
export const DASHBOARD_CLIENT_ID = '3f6b1a52-9c1e-4d0a-8e5b-57a0c2d9e002';
const DASHBOARD_CLIENT_ALIAS = 'warden-partner-center';

export interface DashboardClient extends FirstPartyClient {
  /** Where the authority sends the browser after RP-initiated logout (OIDC RP-Initiated Logout §3). */
  postLogoutRedirectUri: string;
  /** The customer admin center's signed-out page, where its sign-out comes back to (src/admin-center/). */
  adminPostLogoutRedirectUri: string;
}

/**
 * The dashboard is an ordinary confidential OIDC client of Warden's authorities (issue 3 item 3),
 * registered by the operator as a first-party client (relying-party/first-party-client.ts). The
 * signed-out pages are registered beside the callback (a code sent there is of no use: the client
 * is confidential and every code needs its PKCE verifier).
 */
export async function ensureDashboardClient(ctx: WardenContext): Promise<DashboardClient | undefined> {
  const redirectUri = `${ctx.config.baseUrl}/dashboard/callback`;
  const postLogoutRedirectUri = `${ctx.config.baseUrl}/dashboard/signed-out`;
  const adminPostLogoutRedirectUri = `${ctx.config.baseUrl}/admin/signed-out`;
  const registered = await ensureFirstPartyClient(ctx, {
    id: DASHBOARD_CLIENT_ID,
    alias: DASHBOARD_CLIENT_ALIAS,
    displayName: 'Warden Partner Center',
    redirectUris: [redirectUri, postLogoutRedirectUri, adminPostLogoutRedirectUri],
    secretLabel: 'dashboard-client',
  });
  if (!registered) return undefined; // no operator tenant yet: nothing can sign in to the dashboard
  return {
    clientId: DASHBOARD_CLIENT_ID,
    clientSecret: registered.clientSecret,
    redirectUri,
    postLogoutRedirectUri,
    adminPostLogoutRedirectUri,
  };
}
