import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listUserConsents } from '../src/directory/user-consents.ts';
import { serviceProviderAccountId } from '../src/sessions/service-provider-account.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { mfaGraphToken } from './support/gdap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';

describe('README: the demo data shows a consent given with MFA (SPEC §10)', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(async () => w.stop());

  it('SPEC §10: Woodgrove lists Jane’s consent to contoso-sam, given at its authority with MFA', async () => {
    const woodgrove = w.demo.tenants.woodgrove!.id;
    const jane = w.demo.users['jane@contoso.example']!;
    const records = await listUserConsents(w.ctx.db, woodgrove, {
      clientId: w.demo.clients['contoso-sam']!.clientId,
      limit: 10,
    });
    assert.ok(records.length > 0);
    for (const record of records) {
      assert.equal(
        record.accountId,
        serviceProviderAccountId({ homeTenantId: w.demo.tenants.contoso!.id, userId: jane.id }),
      );
      assert.ok(record.proof.amr.includes('mfa'));
    }
    const token = await mfaGraphToken(w, 'admin@woodgrove.example');
    const listed = await callApi(
      w,
      'GET',
      `/v1.0/oauth2PermissionGrants?$filter=clientId eq '${w.demo.clients['contoso-sam']!.clientId}'`,
      {
        token,
      },
    );
    assert.equal(listed.status, 200);
    assert.ok(
      (listed.body.value as { principalId: string; resourceId: string; scope: string }[]).some(
        (g) =>
          g.principalId === jane.id && g.resourceId === GRAPH_API && g.scope === 'Directory.AccessAsUser.All',
      ),
    );
  });
});
