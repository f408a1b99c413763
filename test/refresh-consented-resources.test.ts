import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { createApplication } from '../src/directory/applications.ts';
import { GRAPH_API, PARTNER_API } from '../src/tokens/audiences.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { freshCode, REDIRECT_URI, redeem, relyingParty } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';
import { type MadeUser, makeUser } from './support/users.ts';

/*
 * Entra behaviour (reference §3.1–3.2, SPEC §10): a refresh token of a third-party application
 * serves another resource only as far as the user's consent covers it — what the application may
 * ask for is not enough. src/tokens/consented-resources.ts.
 */

const PARTNER_SCOPE = `${PARTNER_API}/user_impersonation`;
const GRAPH_SCOPE = `${GRAPH_API}/Directory.AccessAsUser.All`;

describe('Entra: refresh for a new resource of a third-party application needs the user’s consent to it', () => {
  let w: TestWarden;
  let appId: string;
  let user: MadeUser;
  before(async () => {
    w = await startWarden();
    // Contoso publishes a multi-tenant tool allowed both resources; at Northwind's authority it is a third party.
    const { application } = await createApplication(w.ctx.db, w.ctx.secrets, w.demo.tenants.contoso!.id, {
      displayName: 'Contoso two-resource tool',
      clientType: 'public',
      redirectUris: [REDIRECT_URI],
      multiTenant: true,
      allowedScopes: [PARTNER_SCOPE, GRAPH_SCOPE],
    });
    appId = application.id;
    user = await makeUser(w, { tenant: 'northwind', name: 'refresher', totp: true });
  });
  after(() => w.stop());

  /** An interactive sign-in at Northwind's authority with the consent page, for `scope`. */
  async function consentAndSignIn(scope: string) {
    const config = await relyingParty(w, 'northwind', appId);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: `openid profile offline_access ${scope}`,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      prompt: 'consent',
    });
    const ua = new UserAgent();
    await ua.navigate(url.toString());
    await ua.submit('password', { username: user.upn, password: user.password });
    await ua.submit('totp', { code: freshCode(w, user.totpSeed!) });
    assert.equal(ua.step(), 'consent');
    const callback = await ua.submit('consent');
    return redeem({ config, url: url.toString(), verifier, state }, callback);
  }

  async function refresh(refreshToken: string, scope: string) {
    const response = await fetch(`${w.baseUrl}/${w.demo.tenants.northwind!.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: appId,
        refresh_token: refreshToken,
        scope,
      }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
    return { status: response.status, body: (await response.json()) as any };
  }

  it('AADSTS65001 for a resource the user did not consent to; once consented, the same chain serves it', async () => {
    const graphOnly = await consentAndSignIn(GRAPH_SCOPE);
    const refused = await refresh(graphOnly.refresh_token!, PARTNER_SCOPE);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.deepEqual(refused.body.error_codes, [65001]);
    assert.equal(refused.body.suberror, 'consent_required');

    // The user consents to the Partner API for this app (another sign-in); the first chain now serves it.
    await consentAndSignIn(PARTNER_SCOPE);
    const allowed = await refresh(graphOnly.refresh_token!, PARTNER_SCOPE);
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    const claims = decodeJwt(allowed.body.access_token);
    assert.equal(claims.aud, PARTNER_API);
    assert.equal(claims.scp, 'user_impersonation');
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(claims.tid, w.demo.tenants.northwind!.id);
  });
});
