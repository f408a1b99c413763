import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { loggedOutPage, logoutConfirmPage } from '../authority-pages/logout-pages.ts';
import type { Tenant } from '../directory/tenants.ts';
import { contentSecurityPolicy } from '../http/security-headers.ts';

type RpInitiatedLogoutFeature = NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>;

/**
 * OpenID Connect RP-Initiated Logout 1.0 with oidc-provider's `features.rpInitiatedLogout`, on
 * Warden's pages and CSP. The confirmation (§2: the OP asks whether to sign out of the OP too)
 * posts oidc-provider's anti-CSRF secret to its confirm endpoint, which then redirects to the
 * client's post_logout_redirect_uri (§3, checked against its registration by oidc-provider):
 * Chromium checks that redirect against form-action, so the page allows exactly that origin.
 * The self-posting variant (no account signed in) is rendered by form-post-pages.ts.
 */
export function rpInitiatedLogoutFeature(tenant: Tenant): RpInitiatedLogoutFeature {
  return {
    enabled: true,
    logoutSource: async (ctx) => {
      const back = ctx.oidc.params?.post_logout_redirect_uri;
      const origin = typeof back === 'string' && URL.canParse(back) ? new URL(back).origin : undefined;
      ctx.set('Content-Security-Policy', contentSecurityPolicy(origin ? [origin] : []));
      ctx.type = 'html';
      ctx.body = logoutConfirmPage({
        action: ctx.oidc.urlFor('end_session_confirm'),
        xsrf: logoutSecret(ctx),
        tenantName: tenant.display_name,
        clientName: clientNameOf(ctx),
      });
    },
    postLogoutSuccessSource: async (ctx) => {
      ctx.type = 'html';
      ctx.body = loggedOutPage({ tenantName: tenant.display_name, clientName: clientNameOf(ctx) });
    },
  };
}

function clientNameOf(ctx: KoaContextWithOIDC): string | undefined {
  return ctx.oidc.client ? (ctx.oidc.client.clientName ?? ctx.oidc.client.clientId) : undefined;
}

/**
 * The anti-CSRF secret oidc-provider keeps in the session state for the confirm form (it is also
 * in the `form` markup it passes; Warden renders its own form around the same secret, as the
 * device pages do).
 */
function logoutSecret(ctx: KoaContextWithOIDC): string {
  const session = ctx.oidc.session as unknown as { state?: { secret?: unknown } } | undefined;
  const secret = session?.state?.secret;
  if (typeof secret !== 'string') throw new Error('oidc-provider kept no logout secret in the session');
  return secret;
}
