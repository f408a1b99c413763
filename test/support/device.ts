import assert from 'node:assert/strict';
import type { TestWarden } from './harness.ts';
import { completeSecondStep } from './oidc.ts';
import { UserAgent } from './user-agent.ts';

/** The device authorization response of RFC 8628 §3.2. */
export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const DEVICE_SCOPE = 'openid profile offline_access urn:warden:partner-api/user_impersonation';

export function tenantUrl(w: TestWarden, tenantKey: string, path: string): string {
  return `${w.baseUrl}/${w.demo.tenants[tenantKey]!.domain}${path}`;
}

/** The device's first request (RFC 8628 §3.1), as raw form posts so the wire format is what is tested. */
export async function requestDeviceCode(
  w: TestWarden,
  tenantKey = 'contoso',
  fields: Record<string, string> = {},
): Promise<{ status: number; body: DeviceAuthorization & { error?: string; error_description?: string } }> {
  const response = await fetch(tenantUrl(w, tenantKey, '/oauth2/v2.0/devicecode'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'warden-cli', scope: DEVICE_SCOPE, ...fields }),
  });
  return {
    status: response.status,
    body: (await response.json()) as DeviceAuthorization & { error?: string },
  };
}

/** One poll of the token endpoint (RFC 8628 §3.4). */
export async function pollToken(
  w: TestWarden,
  deviceCode: string,
  tenantKey = 'contoso',
  clientId = 'warden-cli',
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
): Promise<{ status: number; body: any }> {
  const response = await fetch(tenantUrl(w, tenantKey, '/oauth2/v2.0/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId }),
  });
  return { status: response.status, body: await response.json() };
}

function hidden(page: string, name: string): string {
  const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1];
  assert.ok(value !== undefined, `no field ${name} on page:\n${page.slice(0, 1500)}`);
  return value;
}

/** Opens the verification page and types `userCode`; the user agent then shows the confirmation page (or an error). */
export async function enterUserCode(ua: UserAgent, verificationUri: string, userCode: string): Promise<void> {
  await ua.navigate(verificationUri);
  assert.equal(ua.step(), 'device_code');
  await ua.navigate(verificationUri, { form: { xsrf: hidden(ua.lastPage, 'xsrf'), user_code: userCode } });
}

/** Presses Continue (or Cancel) on the confirmation page. */
export async function answerConfirmation(ua: UserAgent, answer: 'continue' | 'cancel'): Promise<string> {
  const form = {
    xsrf: hidden(ua.lastPage, 'xsrf'),
    user_code: hidden(ua.lastPage, 'user_code'),
    confirm: 'yes',
    ...(answer === 'cancel' ? { abort: 'yes' } : {}),
  };
  return ua.navigate(ua.lastUrl, { form });
}

/**
 * The user's side of a device sign-in: code, confirmation, password and whatever second step the
 * policy asks. Ends on the success page (or wherever the sign-in stopped).
 */
export async function approveDevice(
  w: TestWarden,
  verificationUri: string,
  userCode: string,
  upn: string,
  options: { mfa?: boolean; ua?: UserAgent } = {},
): Promise<UserAgent> {
  const ua = options.ua ?? new UserAgent();
  await enterUserCode(ua, verificationUri, userCode);
  assert.equal(ua.step(), 'device_confirm', ua.lastPage.slice(0, 1500));
  await answerConfirmation(ua, 'continue');
  const at = await ua.submit('password', { username: upn, password: w.demo.password });
  await completeSecondStep(w, ua, { at, upn, mfa: options.mfa ?? true });
  return ua;
}
