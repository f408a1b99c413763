import type { TestContext } from 'node:test';
import * as client from 'openid-client';
import { GRAPH_API, PARTNER_API } from '../../src/tokens/audiences.ts';
import type { TestWarden } from './harness.ts';
import { completeSecondStep, REDIRECT_URI } from './oidc.ts';
import { UserAgent } from './user-agent.ts';

/** The scopes of a Secure Application Model consent: both resources, a refresh token (reference §3.1). */
export const SAM_SCOPE = `openid profile offline_access ${PARTNER_API}/user_impersonation ${GRAPH_API}/Directory.AccessAsUser.All`;

/** The demo's SAM app (src/demo/demo-data.ts): Contoso's multi-tenant confidential client. */
export function samClient(w: TestWarden): { clientId: string; clientSecret: string } {
  const sam = w.demo.clients['contoso-sam'];
  if (!sam?.clientSecret) throw new Error('the demo has no contoso-sam client with a secret');
  return { clientId: sam.clientId, clientSecret: sam.clientSecret };
}

/**
 * The one interactive step of SAM (reference §3.1 step 2–3): the integration user signs in at the
 * partner's authority with MFA, through openid-client, and the code is redeemed with the app's
 * secret. Returns the token response (its refresh token starts the chain).
 */
export async function samConsent(
  w: TestWarden,
  upn = 'jane@contoso.example',
  tenantKey = 'contoso',
  app: { clientId: string; clientSecret: string } = samClient(w),
) {
  const { clientId, clientSecret } = app;
  const config = await client.discovery(
    new URL(w.issuer(tenantKey)),
    clientId,
    undefined,
    client.ClientSecretPost(clientSecret),
    { execute: [client.allowInsecureRequests] },
  );
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: SAM_SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    acr_values: 'urn:warden:acr:mfa',
  });
  const ua = new UserAgent();
  await ua.navigate(url.toString());
  const at = await ua.submit('password', { username: upn, password: w.demo.password });
  const done = await completeSecondStep(w, ua, { at, upn, mfa: true });
  // An app another tenant published asks for consent (SPEC §10: after MFA).
  const callback = ua.step() === 'consent' ? await ua.submit('consent') : done.at;
  return client.authorizationCodeGrant(
    config,
    new URL(callback),
    { pkceCodeVerifier: verifier, expectedState: state },
    { redirect_uri: REDIRECT_URI },
  );
}

/** A raw refresh-token redemption at a tenant's authority (any tenant id or domain), as SAM tools send it. */
export async function redeemAt(
  w: TestWarden,
  authority: string,
  refreshToken: string,
  scope: string,
  app: { clientId: string; clientSecret: string } = samClient(w),
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
): Promise<{ status: number; body: any }> {
  const { clientId, clientSecret } = app;
  const response = await fetch(`${w.baseUrl}/${authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
      client_secret: clientSecret,
      scope,
    }),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * Moves time for Warden and for oidc-provider together (STYLE 7: never sleep): Warden's clock,
 * and `Date`, which oidc-provider stamps and checks tokens with. `startTravel` first.
 */
export function startTravel(w: TestWarden, t: TestContext): (ms: number) => void {
  t.mock.timers.enable({ apis: ['Date'], now: w.clock.now() });
  return (ms) => {
    w.clock.advance(ms);
    t.mock.timers.tick(ms);
  };
}

export const DAY_MS = 24 * 3600 * 1000;
