import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import {
  deviceCodeInputPage,
  deviceConfirmPage,
  deviceSuccessPage,
} from '../authority-pages/device-pages.ts';
import type { Tenant } from '../directory/tenants.ts';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Why the code page is shown again, by oidc-provider's re-render error names. */
const INPUT_ERRORS: Record<string, string> = {
  NoCodeError: 'Enter the code shown on your device.',
  NotFoundError: 'That code is not right. Check the code shown on your device and try again.',
  ExpiredError: 'That code has expired. Start the sign-in on your device again to get a new code.',
  AlreadyUsedError: 'That code was already used. Start the sign-in on your device again to get a new code.',
};

/** The names of the errors that mean "no device code has this user code": a guess, for the throttle. */
export const GUESS_ERRORS = new Set(['NoCodeError', 'NotFoundError']);

type DeviceFlowFeature = NonNullable<NonNullable<Configuration['features']>['deviceFlow']>;

/**
 * RFC 8628 with oidc-provider's `features.deviceFlow`: user codes of 8 base-20 letters (§6.1: no
 * vowels, so no words, and case-insensitive; 20^8 ≈ 2^34.6 guesses, throttled per source address
 * by user-code-guessing.ts), shown as XXXX-XXXX. The pages are Warden's sign-in pages.
 */
export function deviceFlowFeature(tenant: Tenant): DeviceFlowFeature {
  return {
    enabled: true,
    charset: 'base-20',
    mask: '****-****',
    userCodeInputSource: (ctx, _form, _out, err) => {
      const name = err?.name;
      if (name && GUESS_ERRORS.has(name)) ctx.state.wardenUserCodeGuessFailed = true;
      ctx.type = 'html';
      ctx.status = err && name !== 'AbortedError' ? 400 : 200;
      ctx.body = deviceCodeInputPage({
        action: ctx.oidc.urlFor('code_verification'),
        xsrf: formSecret(ctx),
        tenantName: tenant.display_name,
        // The code typed is shown again only when it was a real one, so the user can see what failed.
        userCode: name && !GUESS_ERRORS.has(name) ? (err as { userCode?: string }).userCode : undefined,
        error:
          name === 'AbortedError' ? undefined : err ? (INPUT_ERRORS[name ?? ''] ?? genericError) : undefined,
        notice:
          name === 'AbortedError'
            ? 'The sign-in was cancelled. Nothing was signed in on the device; you can close this window.'
            : undefined,
      });
    },
    userCodeConfirmSource: (ctx, form, client, _deviceInfo, userCode) => {
      ctx.type = 'html';
      ctx.body = deviceConfirmPage({
        formHtml: form,
        clientName: client.clientName ?? client.clientId,
        tenantName: tenant.display_name,
        userCode,
      });
    },
    successSource: (ctx) => {
      ctx.type = 'html';
      ctx.body = deviceSuccessPage({
        clientName: ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId ?? 'the application',
        tenantName: tenant.display_name,
      });
    },
  };
}

const genericError = 'The code could not be checked. Start the sign-in on your device again.';

/**
 * The anti-CSRF secret oidc-provider keeps in its session state for the code form (it is also in
 * the `form` markup oidc-provider passes, but that markup has no label and an inline handler the
 * strict CSP refuses, so Warden renders its own form around the same secret).
 */
function formSecret(ctx: KoaContextWithOIDC): string {
  const session = ctx.oidc.session as unknown as { state?: { secret?: string } } | undefined;
  return session?.state?.secret ?? '';
}
