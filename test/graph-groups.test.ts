import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

describe('Graph API: groups and members', () => {
  let w: TestWarden;
  let jane: string;
  let sky: string;
  const ref = (id: string) => ({ '@odata.id': `${w.baseUrl}/v1.0/directoryObjects/${id}` });
  const memberRows = async () =>
    Number(
      (
        await w.ctx.db
          .selectFrom('group_members')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, 'jane@contoso.example');
    sky = await graphToken(w, 'sky@contoso.example');
  });
  after(() => w.stop());

  it('Graph API: groups are listed in Graph shape and filtered by displayName (eq, startswith)', async () => {
    const all = await callApi(w, 'GET', '/v1.0/groups', { token: jane });
    assert.equal(all.status, 200);
    assert.equal(all.body['@odata.context'], `${w.baseUrl}/v1.0/$metadata#groups`);
    // Contoso's groups in the demo: the agent groups and the two its GDAP assignments use.
    assert.deepEqual(all.body.value.map((g: { displayName: string }) => g.displayName).sort(), [
      'AdminAgents',
      'GDAP Helpdesk',
      'GDAP User Administrators',
      'HelpdeskAgents',
      'SalesAgents',
    ]);
    const admin = all.body.value.find((g: { displayName: string }) => g.displayName === 'AdminAgents');
    assert.equal(admin.securityEnabled, true);
    assert.equal(admin.mailEnabled, false);
    const eq = await callApi(
      w,
      'GET',
      `/v1.0/groups?$filter=${encodeURIComponent("displayName eq 'salesagents'")}`,
      {
        token: sky,
      },
    );
    assert.deepEqual(
      eq.body.value.map((g: { displayName: string }) => g.displayName),
      ['SalesAgents'],
    );
    const sw = await callApi(
      w,
      'GET',
      `/v1.0/groups?$filter=${encodeURIComponent("startswith(displayName,'Help')")}`,
      {
        token: jane,
      },
    );
    assert.deepEqual(
      sw.body.value.map((g: { displayName: string }) => g.displayName),
      ['HelpdeskAgents'],
    );
  });

  it('Graph API: create, rename, members add/list/remove, delete; a duplicate member or name is Request_MultipleObjectsWithSameKeyValue', async () => {
    const created = await callApi(w, 'POST', '/v1.0/groups', {
      token: jane,
      body: {
        displayName: 'Night shift',
        mailEnabled: false,
        mailNickname: 'nightshift',
        securityEnabled: true,
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id;
    const dup = await callApi(w, 'POST', '/v1.0/groups', {
      token: jane,
      body: { displayName: 'Night shift' },
    });
    assert.equal(dup.status, 400);
    assert.equal(dup.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');

    const renamed = await callApi(w, 'PATCH', `/v1.0/groups/${id}`, {
      token: jane,
      body: { displayName: 'Night crew' },
    });
    assert.equal(renamed.status, 204);
    assert.equal(
      (await callApi(w, 'GET', `/v1.0/groups/${id}`, { token: jane })).body.displayName,
      'Night crew',
    );

    const samId = (await makeUser(w, { name: 'sam' })).id;
    const halId = (await makeUser(w, { name: 'hal' })).id;
    for (const member of [samId, halId]) {
      const added = await callApi(w, 'POST', `/v1.0/groups/${id}/members/$ref`, {
        token: jane,
        body: ref(member),
      });
      assert.equal(added.status, 204, JSON.stringify(added.body));
    }
    const before = await memberRows();
    const again = await callApi(w, 'POST', `/v1.0/groups/${id}/members/$ref`, {
      token: jane,
      body: ref(samId),
    });
    assert.equal(again.status, 400);
    assert.equal(again.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');
    assert.equal(await memberRows(), before);

    const page1 = await callApi(w, 'GET', `/v1.0/groups/${id}/members?$top=1`, { token: jane });
    assert.equal(page1.status, 200);
    assert.equal(page1.body.value.length, 1);
    assert.equal(page1.body.value[0]['@odata.type'], '#microsoft.graph.user');
    const page2 = await fetch(page1.body['@odata.nextLink'], {
      headers: { authorization: `Bearer ${jane}` },
    });
    const body2 = (await page2.json()) as { value: { id: string }[]; '@odata.nextLink'?: string };
    assert.equal(body2.value.length, 1);
    assert.equal(body2['@odata.nextLink'], undefined);
    assert.deepEqual([page1.body.value[0].id, body2.value[0]!.id].sort(), [samId, halId].sort());

    const removed = await callApi(w, 'DELETE', `/v1.0/groups/${id}/members/${samId}/$ref`, { token: jane });
    assert.equal(removed.status, 204);
    const removedAgain = await callApi(w, 'DELETE', `/v1.0/groups/${id}/members/${samId}/$ref`, {
      token: jane,
    });
    assert.equal(removedAgain.status, 404);

    const deleted = await callApi(w, 'DELETE', `/v1.0/groups/${id}`, { token: jane });
    assert.equal(deleted.status, 204);
    assert.equal((await callApi(w, 'GET', `/v1.0/groups/${id}`, { token: jane })).status, 404);
    assert.equal(await memberRows(), before - 2, 'the memberships went with the group');
  });

  it('Graph API: a member from another tenant or unknown is 404; a malformed reference 400; nothing is written', async () => {
    const group = (await callApi(w, 'GET', '/v1.0/groups', { token: jane })).body.value.find(
      (g: { displayName: string }) => g.displayName === 'SalesAgents',
    );
    const before = await memberRows();
    const john = w.demo.users['john@fabrikam.example']!.id;
    const foreign = await callApi(w, 'POST', `/v1.0/groups/${group.id}/members/$ref`, {
      token: jane,
      body: ref(john),
    });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 'Request_ResourceNotFound');
    const bad = await callApi(w, 'POST', `/v1.0/groups/${group.id}/members/$ref`, {
      token: jane,
      body: { '@odata.id': 'not-a-reference' },
    });
    assert.equal(bad.status, 400);
    const extra = await callApi(w, 'POST', `/v1.0/groups/${group.id}/members/$ref`, {
      token: jane,
      body: { ...ref(john), role: 'owner' },
    });
    assert.equal(extra.status, 400);
    assert.equal(extra.body.error.message, "Invalid property 'role'.");
    assert.equal(await memberRows(), before);
  });

  it('SPEC §1: the partner agent groups cannot be deleted or renamed, and their names cannot be taken', async () => {
    const groups = (await callApi(w, 'GET', '/v1.0/groups', { token: jane })).body.value as {
      id: string;
      displayName: string;
    }[];
    for (const g of groups.filter((g) => g.displayName.endsWith('Agents'))) {
      const del = await callApi(w, 'DELETE', `/v1.0/groups/${g.id}`, { token: jane });
      assert.equal(del.status, 400);
      assert.equal(del.body.error.code, 'Request_BadRequest');
      assert.match(del.body.error.message, /Partner Center roles/);
      const rename = await callApi(w, 'PATCH', `/v1.0/groups/${g.id}`, {
        token: jane,
        body: { displayName: 'Other' },
      });
      assert.equal(rename.status, 400);
    }
    const taken = await callApi(w, 'POST', '/v1.0/groups', {
      token: jane,
      body: { displayName: 'adminagents' },
    });
    assert.equal(taken.status, 400);
    assert.equal((await callApi(w, 'GET', '/v1.0/groups', { token: jane })).body.value.length, 5);
  });

  it('SPEC §13: membership of a group carrying a GDAP access assignment is changed by a signed-in Global Administrator only', async () => {
    const userAdmin = await makeUser(w, { name: 'useradmin', roles: ['User Administrator'], totp: true });
    const newcomer = await makeUser(w, { name: 'newcomer' });
    const token = await graphToken(w, userAdmin.upn);
    const groups = (await callApi(w, 'GET', '/v1.0/groups', { token: jane })).body.value as {
      id: string;
      displayName: string;
    }[];
    const gdapGroup = groups.find((g) => g.displayName === 'GDAP User Administrators')!;
    const before = await memberRows();
    const add = await callApi(w, 'POST', `/v1.0/groups/${gdapGroup.id}/members/$ref`, {
      token,
      body: ref(newcomer.id),
    });
    assert.equal(add.status, 403);
    assert.equal(add.body.error.code, 'Authorization_RequestDenied');
    assert.equal(await memberRows(), before);
    const byGlobal = await callApi(w, 'POST', `/v1.0/groups/${gdapGroup.id}/members/$ref`, {
      token: jane,
      body: ref(newcomer.id),
    });
    assert.equal(byGlobal.status, 204);
    const remove = await callApi(w, 'DELETE', `/v1.0/groups/${gdapGroup.id}/members/${newcomer.id}/$ref`, {
      token,
    });
    assert.equal(remove.status, 403);
    // A group without GDAP access assignments stays the User Administrator's to change.
    const plain = await callApi(w, 'POST', '/v1.0/groups', {
      token: jane,
      body: { displayName: 'Plain group', mailEnabled: false, mailNickname: 'plain', securityEnabled: true },
    });
    const plainAdd = await callApi(w, 'POST', `/v1.0/groups/${plain.body.id}/members/$ref`, {
      token,
      body: ref(newcomer.id),
    });
    assert.equal(plainAdd.status, 204);
  });

  it('Entra rules: a Security Administrator reads groups but cannot create them (403 naming the roles)', async () => {
    const refused = await callApi(w, 'POST', '/v1.0/groups', {
      token: sky,
      body: { displayName: 'Sky group' },
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
    assert.match(refused.body.error.message, /Global Administrator/);
  });

  it('STYLE 5: tenant scoping: Contoso cannot read or change a Fabrikam group by id (404)', async () => {
    const fabrikamGroup = await w.ctx.db
      .selectFrom('groups')
      .select('id')
      .where('tenant_id', '=', w.demo.tenants.fabrikam!.id)
      .executeTakeFirstOrThrow();
    assert.equal((await callApi(w, 'GET', `/v1.0/groups/${fabrikamGroup.id}`, { token: jane })).status, 404);
    assert.equal(
      (await callApi(w, 'GET', `/v1.0/groups/${fabrikamGroup.id}/members`, { token: jane })).status,
      404,
    );
    const samId = w.demo.users['sam@contoso.example']!.id;
    const add = await callApi(w, 'POST', `/v1.0/groups/${fabrikamGroup.id}/members/$ref`, {
      token: jane,
      body: ref(samId),
    });
    assert.equal(add.status, 404);
  });
});
