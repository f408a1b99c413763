import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { decodeJwt } from 'jose';
import { approveDevice } from '../support/device.ts';
import type { TestWarden } from '../support/harness.ts';
import { compatCheck, startCompatWarden } from './support/compat.ts';
import { PythonMsal } from './support/python.ts';

/**
 * Microsoft's Python MSAL as Debian ships it (python3-msal), run as a child process the way a
 * partner's script runs: the authority is the tenant's https URL, `validate_authority=False` (the
 * host is not Microsoft's: MSAL then skips instance discovery and reads the tenant's
 * `/v2.0/.well-known/openid-configuration`), and REQUESTS_CA_BUNDLE trusts Warden's certificate.
 */
let w: TestWarden;
const running: PythonMsal[] = [];
before(async () => {
  w = await startCompatWarden();
});
after(async () => {
  for (const python of running) python.kill();
  await w?.stop();
});

function python(flow: 'client-credentials' | 'device-flow', env: Record<string, string>): PythonMsal {
  const child = new PythonMsal(flow, {
    WARDEN_AUTHORITY: `${w.baseUrl}/contoso.example`,
    REQUESTS_CA_BUNDLE: w.certificate!.certPath,
    ...env,
  });
  running.push(child);
  return child;
}

compatCheck(
  'Python MSAL',
  'ConfidentialClientApplication.acquire_token_for_client (client secret)',
  'validate_authority=False',
  async () => {
    const client = w.demo.clients['contoso-automation']!;
    const run = python('client-credentials', {
      WARDEN_CLIENT_ID: client.clientId,
      WARDEN_CLIENT_SECRET: client.clientSecret!,
      WARDEN_SCOPES: 'https://api.partnercenter.microsoft.com/.default',
    });
    const start = await run.next();
    assert.equal(start.step, 'start');
    assert.match(start.msal, /^1\.21\./);
    const done = await run.next();
    assert.equal(done.step, 'result', JSON.stringify(done));
    assert.equal(done.result.token_type, 'Bearer', JSON.stringify(done.result));
    assert.equal(done.token_endpoint, `${w.baseUrl}/${w.demo.tenants.contoso!.id}/oauth2/v2.0/token`);
    const claims = decodeJwt(done.result.access_token);
    assert.equal(claims.aud, 'urn:warden:partner-api');
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.appid, client.clientId);
    assert.equal(claims.tid, w.demo.tenants.contoso!.id);
    // Nothing cached before the first request; its token served from MSAL's cache after it.
    assert.equal(done.cached_before, false);
    assert.equal(done.cached, true);
    assert.equal((await run.exit).code, 0);
  },
);

compatCheck(
  'Python MSAL',
  'PublicClientApplication.initiate_device_flow + acquire_token_by_device_flow, then acquire_token_silent',
  'validate_authority=False',
  async () => {
    const run = python('device-flow', {
      WARDEN_CLIENT_ID: w.demo.clients['warden-cli']!.clientId,
      WARDEN_SCOPES: 'urn:warden:partner-api/user_impersonation',
    });
    assert.equal((await run.next()).step, 'start');
    const shown = await run.next();
    assert.equal(shown.step, 'device_flow', JSON.stringify(shown));
    assert.equal(shown.verification_uri, `${w.baseUrl}/${w.demo.tenants.contoso!.id}/oauth2/v2.0/deviceauth`);
    assert.match(shown.user_code, /^[A-Z]{4}-[A-Z]{4}$/);
    // Jane approves on another device while Python polls.
    await approveDevice(w, shown.verification_uri, shown.user_code, 'jane@contoso.example');
    const done = await run.next();
    assert.equal(done.step, 'result', JSON.stringify(done));
    assert.ok(done.result.access_token, JSON.stringify(done.result));
    const claims = decodeJwt(done.result.access_token);
    assert.equal(claims.aud, 'urn:warden:partner-api');
    assert.equal(claims.upn, 'jane@contoso.example');
    assert.ok((claims.amr as string[]).includes('mfa'), JSON.stringify(claims.amr));
    // MSAL decoded and checked the ID token (issuer from discovery, audience = the client).
    assert.equal(done.result.id_token_claims.preferred_username, 'jane@contoso.example');
    assert.equal(done.result.id_token_claims.tid, w.demo.tenants.contoso!.id);
    assert.deepEqual(done.accounts, ['jane@contoso.example']);
    // The refresh token from MSAL's cache, redeemed: a new token, the sign-in's MFA kept.
    assert.ok(done.refreshed?.access_token, JSON.stringify(done.refreshed));
    assert.notEqual(done.refreshed.access_token, done.result.access_token);
    assert.deepEqual(decodeJwt(done.refreshed.access_token).amr, claims.amr);
    assert.equal((await run.exit).code, 0);
  },
);
