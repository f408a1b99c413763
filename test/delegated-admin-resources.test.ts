import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { setApplicationApi } from '../src/directory/application-apis.ts';
import { createApplication } from '../src/directory/applications.ts';
import { delegatedSignIn } from './support/aobo.ts';
import { tenantUrl } from './support/device.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

/**
 * SPEC E3, reference §2.3: GDAP roles apply where Warden reads the directory's roles (its Graph and
 * Partner API gates). An API a customer registered knows nothing of GDAP, so a partner user at the
 * customer's authority never gets a token for one (delegated-access.ts, delegatedAdminMayUseResource).
 */
describe('SPEC E3: a partner user at a customer’s authority reaches Warden’s own resources only', () => {
  let w: TestWarden;
  let uri: string;
  before(async () => {
    w = await startWarden();
    const woodgrove = w.demo.tenants.woodgrove!.id;
    const { application } = await createApplication(
      w.ctx.db,
      w.ctx.secrets,
      woodgrove,
      {
        displayName: 'Woodgrove Orders API',
        clientType: 'confidential',
        clientSecret: false,
        allowedScopes: [],
        grantedAppRoles: [],
        redirectUris: [],
      },
      w.clock.now(),
    );
    uri = `api://${application.id}`;
    await setApplicationApi(w.ctx.db, woodgrove, application.id, {
      identifierUris: [uri],
      scopes: [
        {
          id: randomUUID(),
          value: 'Orders.Read',
          type: 'User',
          isEnabled: true,
          adminConsentDisplayName: null,
          adminConsentDescription: null,
          userConsentDisplayName: null,
          userConsentDescription: null,
        },
      ],
    });
  });
  after(() => w.stop());

  it('a sign-in asking for the customer’s registered API gets no token for it (invalid_target)', async () => {
    await assert.rejects(
      delegatedSignIn(w, 'jane@contoso.example', 'woodgrove', {
        scope: `openid offline_access ${uri}/Orders.Read`,
      }),
      (error: { error?: string }) => error.error === 'invalid_target',
    );
  });

  it('a Graph chain at the customer is not redeemed for the customer’s registered API (500011), and still serves Graph', async () => {
    const { tokens } = await delegatedSignIn(w, 'jane@contoso.example', 'woodgrove');
    assert.equal(decodeJwt(tokens.access_token).tid, w.demo.tenants.woodgrove!.id);
    const refresh = (scope: string, refreshToken: string) =>
      fetch(tenantUrl(w, 'woodgrove', '/oauth2/v2.0/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: w.demo.clients['warden-cli']!.clientId,
          refresh_token: refreshToken,
          scope,
        }),
      });
    const refused = await refresh(`${uri}/.default`, tokens.refresh_token!);
    const body = (await refused.json()) as { error: string; error_codes?: number[] };
    assert.equal(refused.status, 400);
    assert.equal(body.error, 'invalid_resource');
    assert.deepEqual(body.error_codes, [500011]);
    // The refusal left the presented token usable.
    const graph = await refresh('urn:warden:graph/.default', tokens.refresh_token!);
    assert.equal(graph.status, 200);
  });
});
