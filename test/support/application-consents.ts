import * as client from 'openid-client';
import { DEMO_APPLICATION_IDS } from '../../src/demo/demo-data.ts';
import { PARTNER_API } from '../../src/tokens/audiences.ts';
import type { TestWarden } from './harness.ts';
import { type AuthorizationStart, completeSecondStep, REDIRECT_URI, redeem } from './oidc.ts';
import { type ApiResponse, callApi, demoClient } from './tokens.ts';
import { UserAgent } from './user-agent.ts';

/** The demo SAM app's application id (its alias is `contoso-sam`). */
export const SAM_APP: string = DEMO_APPLICATION_IDS['contoso-sam'];
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/**
 * An App+User Partner API token of the SAM app (reference §3.1): the partner user signs in at the
 * partner's authority through `contoso-sam` (a confidential client, so the code is redeemed with
 * its secret), with MFA unless `mfa: false` and policy lets the user through without it.
 */
export async function samUserToken(
  w: TestWarden,
  upn: string,
  options: { mfa?: boolean; scope?: string } = {},
): Promise<string> {
  const secret = w.demo.clients['contoso-sam']!.clientSecret!;
  const config = await client.discovery(
    new URL(w.issuer('contoso')),
    SAM_APP,
    secret,
    client.ClientSecretPost(secret),
    { execute: [client.allowInsecureRequests] },
  );
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: options.scope ?? `openid profile offline_access ${PARTNER_API}/user_impersonation`,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const start: AuthorizationStart = { config, url: url.toString(), verifier, state };
  const ua = new UserAgent();
  await ua.navigate(start.url);
  const password = await ua.submit('password', { username: upn, password: w.demo.password });
  let { at } = await completeSecondStep(w, ua, { at: password, upn, mfa: options.mfa ?? true });
  if (ua.step() === 'consent') at = await ua.submit('consent');
  return (await redeem(start, at)).access_token;
}

/** The Partner API's application-consent resource of one customer, as the holder of `token`. */
export function consentsApi(w: TestWarden, token: string, customerId: string) {
  const path = `/v1/customers/${customerId}/applicationconsents`;
  return {
    list: (): Promise<ApiResponse> => callApi(w, 'GET', path, { token }),
    create: (body: unknown): Promise<ApiResponse> => callApi(w, 'POST', path, { token, body }),
    remove: (appId: string): Promise<ApiResponse> =>
      callApi(w, 'DELETE', `${path}/${encodeURIComponent(appId)}`, { token }),
  };
}

/** The body of a consent of the SAM app with Graph application permissions. */
export function samConsent(scope = 'User.Read.All', enterpriseApplicationId = GRAPH_APP_ID) {
  return { applicationId: SAM_APP, applicationGrants: [{ enterpriseApplicationId, scope }] };
}

/** RFC 6749 §4.4 at a tenant's authority: the raw answer (status and JSON). */
export async function clientCredentialsAt(
  w: TestWarden,
  tenantKey: string,
  clientId = SAM_APP,
  scope = 'urn:warden:graph/.default',
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${w.baseUrl}/${w.demo.tenants[tenantKey]!.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: demoClient(w, clientId)?.clientSecret ?? '',
      scope,
    }),
  });
  return { status: response.status, body: await response.json() };
}
