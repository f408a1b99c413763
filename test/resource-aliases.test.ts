import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { tenantUrl } from './support/device.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
type Json = any;

/**
 * Tools written for Entra name Microsoft's resources (reference partner-center-gdap-sam,
 * appendix "well-known IDs"): Warden's authority reads each as its own resource, and answers the
 * scope in the names the client sent (RFC 6749 §5.1 `scope`), which MSAL's caches key on.
 */
describe("Microsoft's resource names at Warden's authority (RFC 6749 §3.3, RFC 8707 §2)", () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  async function clientCredentials(fields: Record<string, string>): Promise<{ status: number; body: Json }> {
    const app = w.demo.clients['contoso-automation']!;
    const response = await fetch(tenantUrl(w, 'contoso', '/oauth2/v2.0/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret!,
        ...fields,
      }),
    });
    return { status: response.status, body: await response.json() };
  }

  for (const [scope, audience] of [
    ['https://graph.microsoft.com/.default', 'urn:warden:graph'],
    ['00000003-0000-0000-c000-000000000000/.default', 'urn:warden:graph'],
    ['https://api.partnercenter.microsoft.com/.default', 'urn:warden:partner-api'],
    ['fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd/.default', 'urn:warden:partner-api'],
  ] as const) {
    test(`scope=${scope} is a token for ${audience}, answered under the name sent`, async () => {
      const { status, body } = await clientCredentials({ scope });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(decodeJwt(body.access_token).aud, audience);
      assert.equal(body.scope, scope);
    });
  }

  test('RFC 8707 resource=https://graph.microsoft.com names Warden’s Graph', async () => {
    const { status, body } = await clientCredentials({
      resource: 'https://graph.microsoft.com',
      scope: 'https://graph.microsoft.com/.default',
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(decodeJwt(body.access_token).aud, 'urn:warden:graph');
  });
});
