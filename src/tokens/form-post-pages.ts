import { renderProtocolError } from '../authority-pages/error-page.ts';
import { type FormPost, formPostPage } from '../authority-pages/form-post-page.ts';
import type { Tenant } from '../directory/tenants.ts';
import { contentSecurityPolicy } from '../http/security-headers.ts';
import type { ProviderMiddleware } from './device-polling.ts';

/**
 * oidc-provider answers with a self-submitting form page in four places: the authorization
 * response with `response_mode=form_post` (OAuth 2.0 Form Post Response Mode §2), the logout
 * without a signed-in account, the sign-out that precedes a change of account, and the device
 * page opened with `?user_code=`. Its page carries an inline script and adds the script's hash to
 * the CSP; none of them has a rendering hook (unforked, STYLE). So every response whose CSP gained
 * a hash is rendered again here as Warden's page, under the strict CSP of every other page, whose
 * `form-action` names exactly the origin the form posts to. What cannot be read back is refused
 * (fail closed): no page of the authority ever runs an inline script.
 */
export function formPostPages(tenant: Tenant): ProviderMiddleware {
  return async (ctx, next) => {
    await next();
    const csp = ctx.response.get('content-security-policy');
    if (typeof csp !== 'string' || !csp.includes("'sha256-")) return;
    const post = typeof ctx.body === 'string' ? readFormPost(ctx.body) : undefined;
    if (!post) {
      ctx.set('Content-Security-Policy', contentSecurityPolicy());
      ctx.status = 500;
      ctx.type = 'html';
      ctx.body = renderProtocolError({
        title: 'Sign-in could not continue',
        message: 'Unexpected error.',
        code: 'server_error',
      });
      ctx.oidc?.provider.emit('server_error', ctx, new Error('unreadable form post page'));
      return;
    }
    const target = new URL(post.action, ctx.href).origin;
    const self = new URL(ctx.oidc.provider.issuer).origin;
    ctx.set('Content-Security-Policy', contentSecurityPolicy(target === self ? [] : [target]));
    ctx.type = 'html';
    ctx.body = formPostPage(post, { tenantName: tenant.display_name });
  };
}

// oidc-provider's response_modes/form_post.js: one form, hidden inputs, values escaped by html_safe.js.
const FORM = /<form method="post" action="([^"]*)">([\s\S]*?)<noscript>/;
const FIELD = /<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

function unescapeHtml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ENTITIES[name]!);
}

function readFormPost(body: string): FormPost | undefined {
  const form = FORM.exec(body);
  if (!form) return undefined;
  const action = unescapeHtml(form[1]!);
  if (!URL.canParse(action)) return undefined;
  const fields = [...form[2]!.matchAll(FIELD)].map(
    ([, name, value]) => [unescapeHtml(name!), unescapeHtml(value!)] as [string, string],
  );
  return { action, fields };
}
