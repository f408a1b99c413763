import { renderProtocolError } from '../authority-pages/error-page.ts';
import { oauthUnavailableBody } from './unavailable.ts';

/** The page a browser gets instead of a 503 body in JSON: Warden's template, under the page CSP. */
export function unavailablePage(error: unknown): string {
  const out = oauthUnavailableBody(error);
  return renderProtocolError({
    title: 'Try again in a moment',
    message: out.error_description,
    code: out.error,
  });
}
