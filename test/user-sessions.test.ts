import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { serviceProviderAccountId } from '../src/sessions/service-provider-account.ts';
import { revokeUserSessions } from '../src/sessions/user-sessions.ts';
import { KyselyOidcAdapter } from '../src/tokens/oidc-adapter.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

describe('SPEC §9: ending a user’s sessions finds oidc-provider’s rows by account (indexed, migration 0032)', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('the session, a grant and a finished interaction of the user go, at home and at a customer’s authority; another user’s stay', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const customer = w.demo.tenants.fabrikam!.id;
    const user = randomUUID();
    const other = randomUUID();
    const at = (tenantId: string, model: string) => new KyselyOidcAdapter(w.ctx.db, tenantId, model, w.clock);
    await at(contoso, 'Session').upsert(`s-${user}`, { accountId: user, uid: `u-${user}` }, 3600);
    await at(contoso, 'Grant').upsert(`g-${user}`, { accountId: user, clientId: 'c' }, 3600);
    await at(contoso, 'Interaction').upsert(
      `i-${user}`,
      { uid: `i-${user}`, result: { login: { accountId: user } } } as never,
      3600,
    );
    const delegated = serviceProviderAccountId({ homeTenantId: contoso, userId: user });
    await at(customer, 'Session').upsert(`s-sp-${user}`, { accountId: delegated, uid: `u2-${user}` }, 3600);
    await at(contoso, 'Session').upsert(`s-${other}`, { accountId: other, uid: `u-${other}` }, 3600);
    const stored = await w.ctx.db
      .selectFrom('oidc_payloads')
      .select('model')
      .where('tenant_id', '=', contoso)
      .where('account_id', '=', user)
      .execute();
    assert.deepEqual(
      stored.map((r) => r.model).sort(),
      ['Grant', 'Interaction', 'Session'],
      'an interaction is the account of the sign-in it completed',
    );

    // A row written by an instance still on the code before migration 0032 (a rolling upgrade).
    await at(contoso, 'AccessToken').upsert(`a-${user}`, { accountId: user, grantId: 'other' }, 3600);
    await w.ctx.db
      .updateTable('oidc_payloads')
      .set({ account_id: null })
      .where('tenant_id', '=', contoso)
      .where('model', '=', 'AccessToken')
      .where('grant_id', '=', 'other')
      .execute();

    await revokeUserSessions(w.ctx.db, contoso, user);
    assert.equal(
      await at(contoso, 'AccessToken').find(`a-${user}`),
      undefined,
      'a row without account_id goes too',
    );
    assert.ok(await at(contoso, 'Session').find(`s-${other}`), 'another user keeps their session');
    assert.equal(await at(contoso, 'Session').find(`s-${user}`), undefined);
    assert.equal(await at(contoso, 'Grant').find(`g-${user}`), undefined);
    assert.equal(await at(contoso, 'Interaction').find(`i-${user}`), undefined);
    assert.equal(
      await at(customer, 'Session').find(`s-sp-${user}`),
      undefined,
      'the delegated session at the customer went too',
    );
  });
});
