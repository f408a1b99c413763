import type { KoaContextWithOIDC } from 'oidc-provider';
import { oauthUnavailableBody, retryAfterOf } from '../http/unavailable.ts';
import { unavailablePage } from '../http/unavailable-page.ts';

/**
 * oidc-provider answers any unexpected error as `500 server_error`. When the error is the
 * database not answering in time, Warden answers `503 temporarily_unavailable` with Retry-After
 * instead (RFC 6749 §4.1.2.1, §5.2; issue 9 item 7): a page for a browser, else JSON. Never a
 * redirect to the client: without the database its redirect URI cannot be checked.
 *
 * Called from the `server_error` listener, which oidc-provider emits after it set the response
 * (most endpoints) or before it renders (the authorization endpoint), and from `renderError`
 * with `page`. Returns whether the error was of that kind.
 */
export function answerTemporarilyUnavailable(
  ctx: KoaContextWithOIDC,
  error: unknown,
  render?: 'page',
): boolean {
  const retryAfter = retryAfterOf(error);
  if (retryAfter === undefined) return false;
  ctx.status = 503;
  ctx.set('Retry-After', String(retryAfter));
  if (render === 'page' || typeof ctx.body === 'string') {
    ctx.type = 'html';
    ctx.body = unavailablePage(error);
  } else if (ctx.body !== undefined && ctx.body !== null) {
    ctx.body = oauthUnavailableBody(error);
  }
  return true;
}
