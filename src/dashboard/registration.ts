import type { WardenContext } from '../context.ts';
import { NEVER_EXPIRES, replaceCredentials } from '../directory/application-credentials.ts';
import { createApplication, updateApplication } from '../directory/applications.ts';
import { deriveKey } from '../security/secret-box.ts';
import { withFirstStartLock } from '../storage/first-start-lock.ts';

/**
 * The dashboard's application id: fixed, as a first-party app's is in Entra (migration 0017 moved
 * the client registered before under its readable name, which stays its client id alias).
 */
export const DASHBOARD_CLIENT_ID = '3f6b1a52-9c1e-4d0a-8e5b-57a0c2d9e002';
const DASHBOARD_CLIENT_ALIAS = 'warden-partner-center';

export interface DashboardClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Where the authority sends the browser after RP-initiated logout (OIDC RP-Initiated Logout §3). */
  postLogoutRedirectUri: string;
  /** The customer admin center's signed-out page, where its sign-out comes back to (src/admin-center/). */
  adminPostLogoutRedirectUri: string;
}

/**
 * The dashboard is an ordinary confidential OIDC client of Warden's authorities (issue 3 item 3),
 * registered by the operator (first party: no consent screen) and usable from every partner
 * tenant. Its secret is derived from the master key, so there is nothing extra to configure;
 * the redirect URIs follow WARDEN_BASE_URL and are brought up to date at every start. A client's
 * registered redirect URIs are also its post_logout_redirect_uris (tokens/clients.ts), so the
 * signed-out page is registered beside the callback (a code sent there is of no use: the client is
 * confidential and every code needs its PKCE verifier).
 * Several instances may start at once: the first-start lock makes them register it one after the
 * other.
 */
export async function ensureDashboardClient(ctx: WardenContext): Promise<DashboardClient | undefined> {
  const clientSecret = deriveKey(ctx.config.masterKey, 'dashboard-client').toString('base64url');
  const redirectUri = `${ctx.config.baseUrl}/dashboard/callback`;
  const postLogoutRedirectUri = `${ctx.config.baseUrl}/dashboard/signed-out`;
  const adminPostLogoutRedirectUri = `${ctx.config.baseUrl}/admin/signed-out`;
  const redirectUris = [redirectUri, postLogoutRedirectUri, adminPostLogoutRedirectUri];
  const operator = await ctx.db
    .selectFrom('tenants')
    .select('id')
    .where('kind', '=', 'operator')
    .executeTakeFirst();
  if (!operator) return undefined; // no operator tenant yet: nothing can sign in to the dashboard
  await withFirstStartLock(ctx.db, async (db) => {
    const existing = await db
      .selectFrom('applications')
      .select('tenant_id')
      .where('id', '=', DASHBOARD_CLIENT_ID)
      .executeTakeFirst();
    if (!existing) {
      await createApplication(
        db,
        ctx.secrets,
        operator.id,
        {
          id: DASHBOARD_CLIENT_ID,
          clientIdAlias: DASHBOARD_CLIENT_ALIAS,
          displayName: 'Warden Partner Center',
          clientType: 'confidential',
          redirectUris,
          multiTenant: true,
          allowedScopes: [],
          clientSecret,
        },
        ctx.clock.now(),
      );
      return;
    }
    // Both follow the configuration (base URL, master key), which may have changed since last start.
    await updateApplication(db, existing.tenant_id, DASHBOARD_CLIENT_ID, { redirectUris });
    await replaceCredentials(
      db,
      ctx.secrets,
      existing.tenant_id,
      DASHBOARD_CLIENT_ID,
      { secret: clientSecret, displayName: null, endAt: NEVER_EXPIRES },
      ctx.clock.now(),
    );
  });
  return {
    clientId: DASHBOARD_CLIENT_ID,
    clientSecret,
    redirectUri,
    postLogoutRedirectUri,
    adminPostLogoutRedirectUri,
  };
}
