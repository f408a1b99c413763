import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { partnerActivityIn } from '../src/delegated-admin/partner-activity.ts';
import { adminSignIn } from './support/admin-center.ts';
import { delegatedSignIn, graph } from './support/aobo.ts';
import { recordCrossTenantSignIn } from './support/dap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi, userToken } from './support/tokens.ts';

describe('SPEC E3: the customer sees who from its partners came in, with what roles and proof', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('SPEC E3: a partner user’s sign-in and delegated Partner API operation show in the customer’s Partner activity, with the roles, the DAP/GDAP access and the MFA proof; another customer sees none of it', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const northwind = w.demo.tenants.northwind!.id;
    await recordCrossTenantSignIn(w, northwind, contoso, w.clock.now());
    const jane = await userToken(w, 'jane@contoso.example');
    const listed = await callApi(w, 'GET', `/v1/customers/${w.demo.customers['northwind.example']}/users`, {
      token: jane,
    });
    assert.equal(listed.status, 200);
    await w.ctx.requestLog.flush();

    const activity = await partnerActivityIn(w.ctx.db, northwind);
    const operation = activity.find((a) => a.kind === 'operation');
    assert.ok(operation, JSON.stringify(activity));
    assert.equal(operation.partnerName, 'Contoso');
    assert.equal(operation.userPrincipalName, 'jane@contoso.example');
    assert.deepEqual(operation.roles, ['Global Administrator']);
    assert.equal(operation.via, 'dap');
    assert.equal(operation.mfa, true);
    assert.ok(operation.methods.includes('mfa'), operation.methods.join());
    const signIn = activity.find((a) => a.kind === 'sign-in');
    assert.equal(signIn?.userPrincipalName, 'jane@contoso.example');
    assert.equal(signIn?.mfa, true);
    assert.deepEqual(await partnerActivityIn(w.ctx.db, w.demo.tenants.adatum!.id), []);

    // The customer's Global Administrator reads it in the admin center (MFA, as every page there).
    const admin = await adminSignIn(w, 'admin@northwind.example', '/admin/partners/activity');
    assert.match(admin.lastUrl, /\/admin\/partners\/activity$/);
    assert.match(admin.lastPage, /data-kind="operation"/);
    assert.match(admin.lastPage, /data-kind="sign-in"/);
    assert.match(admin.lastPage, /Global Administrator \(DAP\)/);
    const other = await adminSignIn(w, 'admin@adatum.example', '/admin/partners/activity');
    assert.doesNotMatch(other.lastPage, /data-kind=/);
  });

  it('SPEC E3: a partner user’s Graph operation in the customer tenant (AOBO) is in the customer’s Partner activity, named by its operation, with the roles used', async () => {
    const woodgrove = w.demo.tenants.woodgrove!.id;
    const { tokens } = await delegatedSignIn(w, 'jane@contoso.example', 'woodgrove');
    const listed = await graph(w, tokens.access_token, 'GET', '/users?$top=1');
    assert.equal(listed.status, 200);
    await w.ctx.requestLog.flush();
    const operation = (await partnerActivityIn(w.ctx.db, woodgrove)).find(
      (a) => a.kind === 'operation' && a.what.startsWith('Graph: '),
    );
    assert.ok(operation);
    assert.equal(operation.userPrincipalName, 'jane@contoso.example');
    assert.equal(operation.via, 'gdap');
    assert.ok(operation.roles.includes('User Administrator'), operation.roles.join());
    assert.ok(operation.relationships.includes('Contoso managed services'), operation.relationships.join());
    assert.equal(operation.mfa, true);
    // Another customer sees none of it.
    assert.ok(
      !(await partnerActivityIn(w.ctx.db, w.demo.tenants.northwind!.id)).some((a) =>
        a.what.startsWith('Graph: '),
      ),
    );
  });

  it('SPEC E3: a partner user’s Graph request refused for want of a role in the customer tenant is in the customer’s Partner activity as refused', async () => {
    const woodgrove = w.demo.tenants.woodgrove!.id;
    // Hal holds Helpdesk Administrator at Woodgrove (GDAP): reading users, not creating them.
    const { tokens } = await delegatedSignIn(w, 'hal@contoso.example', 'woodgrove');
    const refused = await graph(w, tokens.access_token, 'POST', '/groups', { displayName: 'Not allowed' });
    assert.equal(refused.status, 403);
    await w.ctx.requestLog.flush();
    const row = (await partnerActivityIn(w.ctx.db, woodgrove)).find(
      (a) => a.userPrincipalName === 'hal@contoso.example' && a.what === 'Graph: groups.create',
    );
    assert.ok(row);
    assert.equal(row.succeeded, false);
    assert.deepEqual(row.roles, ['Helpdesk Administrator']);
  });
});
