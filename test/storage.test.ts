import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addTotpMethod, totpFor, verifyTotp } from '../src/authentication-methods/totp.ts';
import { createTenant, findTenant } from '../src/directory/tenants.ts';
import { findUserByUpn } from '../src/directory/users.ts';
import { KyselyOidcAdapter } from '../src/tokens/oidc-adapter.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { makeUser } from './support/users.ts';

/** One storage suite, run on SQLite and (with WARDEN_TEST_DATABASE_URL) on PostgreSQL (STYLE 5). */
describe(`STYLE 5: storage conformance on ${process.env.WARDEN_TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`, () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('STYLE 5: every query is tenant-scoped: a user of one tenant is not found through another', async () => {
    const { contoso, fabrikam } = w.demo.tenants;
    assert.ok(await findUserByUpn(w.ctx.db, contoso!.id, 'jane@contoso.example'));
    assert.equal(await findUserByUpn(w.ctx.db, fabrikam!.id, 'jane@contoso.example'), undefined);
  });

  it('STYLE 5: protocol state is tenant-scoped: a code stored for one authority is invisible to another', async () => {
    const a = new KyselyOidcAdapter(w.ctx.db, w.demo.tenants.contoso!.id, 'AuthorizationCode');
    const b = new KyselyOidcAdapter(w.ctx.db, w.demo.tenants.fabrikam!.id, 'AuthorizationCode');
    await a.upsert('code-1', { grantId: 'g-1', kind: 'AuthorizationCode' }, 60);
    assert.ok(await a.find('code-1'));
    assert.equal(await b.find('code-1'), undefined);
    await assert.rejects(b.consume('code-1'), { error: 'invalid_grant' });
    assert.equal((await a.find('code-1'))?.consumed, undefined, 'another authority cannot use it up');
  });

  it('SPEC §10: one refresh-token chain across authorities: another authority sees its token under the account the person has there', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const woodgrove = w.demo.tenants.woodgrove!.id;
    const jane = w.demo.users['jane@contoso.example']!.id;
    const home = new KyselyOidcAdapter(w.ctx.db, contoso, 'RefreshToken');
    const customer = new KyselyOidcAdapter(w.ctx.db, woodgrove, 'RefreshToken');
    await home.upsert('rt-across', { grantId: 'g-across', kind: 'RefreshToken', accountId: jane }, 60);
    assert.equal((await home.find('rt-across'))?.accountId, jane);
    assert.equal((await customer.find('rt-across'))?.accountId, `sp:${contoso}:${jane}`);
    // Used up at the customer's authority, it is used up everywhere (one chain, one newest token).
    await customer.consume('rt-across');
    assert.ok((await home.find('rt-across'))?.consumed);
    // Codes and sessions stay with their authority (previous test); only a chain's models travel.
    assert.equal(await new KyselyOidcAdapter(w.ctx.db, woodgrove, 'Session').find('rt-across'), undefined);
  });

  it('STYLE 5: expired protocol rows are not found', async () => {
    const adapter = new KyselyOidcAdapter(w.ctx.db, w.demo.tenants.contoso!.id, 'Session');
    await adapter.upsert('s-expired', { kind: 'Session' }, -1);
    assert.equal(await adapter.find('s-expired'), undefined);
  });

  it('STYLE 5: consume is atomic: of two concurrent consumes of one token exactly one succeeds', async () => {
    const adapter = new KyselyOidcAdapter(w.ctx.db, w.demo.tenants.contoso!.id, 'AuthorizationCode');
    await adapter.upsert('code-1', { grantId: 'g-2', kind: 'AuthorizationCode' }, 60);
    const results = await Promise.allSettled([adapter.consume('code-1'), adapter.consume('code-1')]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal(await adapter.find('code-1'), undefined, 'the loser revoked the grant');
  });

  it('STYLE 5: multi-step writes are one transaction: a tenant whose domain is taken leaves no groups behind', async () => {
    const groupsBefore = await w.ctx.db.selectFrom('groups').select('id').execute();
    await assert.rejects(
      createTenant(w.ctx.db, {
        kind: 'partner',
        programType: 'advisor',
        displayName: 'Dup',
        domain: 'contoso.example',
      }),
    );
    assert.equal((await w.ctx.db.selectFrom('groups').select('id').execute()).length, groupsBefore.length);
  });

  it('SPEC §1: a partner tenant always has AdminAgents, SalesAgents and HelpdeskAgents', async () => {
    const tenant = await createTenant(w.ctx.db, {
      kind: 'partner',
      programType: 'advisor',
      displayName: 'Litware',
      domain: 'litware.example',
    });
    const groups = await w.ctx.db
      .selectFrom('groups')
      .select('display_name')
      .where('tenant_id', '=', tenant.id)
      .orderBy('display_name')
      .execute();
    assert.deepEqual(
      groups.map((g) => g.display_name),
      ['AdminAgents', 'HelpdeskAgents', 'SalesAgents'],
    );
    assert.equal(tenant.security_defaults, 1, 'partner tenants start with security defaults on');
    assert.deepEqual((await findTenant(w.ctx.db, 'LITWARE.example'))?.id, tenant.id);
    assert.equal(await findTenant(w.ctx.db, "x'; drop table tenants; --"), undefined);
  });

  it('RFC 6238 §5.2 across instances: two concurrent verifications of one code, exactly one succeeds', async () => {
    const tenantId = w.demo.tenants.fabrikam!.id;
    const john = (await makeUser(w, { tenant: 'fabrikam' })).id;
    const secret = 'KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TFOQ';
    await addTotpMethod(w.ctx.db, w.ctx.secrets, tenantId, john, secret, w.clock.now());
    const now = w.clock.now();
    const code = totpFor(secret).generate({ timestamp: now });
    const results = await Promise.all([
      verifyTotp(w.ctx.db, w.ctx.secrets, tenantId, john, code, now),
      verifyTotp(w.ctx.db, w.ctx.secrets, tenantId, john, code, now),
    ]);
    assert.deepEqual(results.sort(), [false, true]);
  });

  it('SPEC §8: recovery codes: two concurrent redemptions of one code, exactly one succeeds', async () => {
    const tenantId = w.demo.tenants.contoso!.id;
    const sam = (await makeUser(w)).id;
    const [code] = await w.ctx.recoveryCodes.regenerate(w.ctx.db, tenantId, sam, w.clock.now());
    const results = await Promise.all([
      w.ctx.recoveryCodes.redeem(w.ctx.db, tenantId, sam, code!, w.clock.now()),
      w.ctx.recoveryCodes.redeem(w.ctx.db, tenantId, sam, code!, w.clock.now()),
    ]);
    assert.deepEqual(results.sort(), [false, true]);
    assert.equal(
      await w.ctx.recoveryCodes.redeem(w.ctx.db, w.demo.tenants.fabrikam!.id, sam, code!, w.clock.now()),
      false,
    );
  });
});
