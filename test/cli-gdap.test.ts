import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CliUser, deviceLogin } from './support/cli.ts';
import { approveAsCustomer, HELPDESK_ADMIN, USER_ADMIN } from './support/gdap.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';

describe('CLI: warden gdap as Jane, an Admin agent (SPEC §13)', () => {
  let w: TestWarden;
  let jane: CliUser;
  before(async () => {
    w = await startWarden();
    jane = new CliUser(w.baseUrl);
    const login = await deviceLogin(w, jane, 'jane@contoso.example', true);
    assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    jane?.cleanup();
    await w?.stop();
  });

  const json = async (args: string[]) => {
    const result = await jane.run([...args, '--json']);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  test('SPEC §13 via the CLI: create, list, lock (the approval link), show, assign a group by name, terminate', async () => {
    const northwind = w.demo.tenants.northwind!.id;
    const created = await json([
      'gdap',
      'create',
      '--name',
      'CLI helpdesk',
      '--customer',
      northwind,
      '--roles',
      `${USER_ADMIN},${HELPDESK_ADMIN}`,
      '--duration',
      'P90D',
    ]);
    assert.equal(created.status, 'created');
    assert.equal(created.duration, 'P90D');
    const listed = await json(['gdap', 'list', '--customer', northwind, '--status', 'created']);
    assert.ok(listed.some((r: { id: string }) => r.id === created.id));
    const locked = await json(['gdap', 'lock', created.id]);
    assert.deepEqual(locked, {
      id: created.id,
      status: 'approvalPending',
      approvalLink: `${w.ctx.config.baseUrl}/admin/partners/invitation/granularAdminRelationships/${created.id}`,
    });
    const text = await jane.run(['gdap', 'lock', created.id]);
    assert.equal(text.code, 1, 'a second lock is refused');
    assert.match(text.stderr, /invalidStatusTransition/);

    await approveAsCustomer(w, northwind, created.id);
    const token = await graphToken(w, 'jane@contoso.example');
    const group = await callApi(w, 'POST', '/v1.0/groups', {
      token,
      body: { displayName: 'CLI GDAP helpdesk', mailEnabled: false, securityEnabled: true },
    });
    assert.equal(group.status, 201);
    const assigned = await json([
      'gdap',
      'assign',
      created.id,
      '--group',
      'CLI GDAP helpdesk',
      '--roles',
      HELPDESK_ADMIN,
    ]);
    assert.equal(assigned.accessContainer.accessContainerId, group.body.id);
    const shown = await json(['gdap', 'show', created.id]);
    assert.equal(shown.status, 'active');
    assert.deepEqual(
      shown.accessAssignments.map((a: { status: string }) => a.status),
      ['active'],
    );
    const people = await jane.run(['gdap', 'list']);
    assert.equal(people.code, 0);
    assert.match(people.stdout, /^DISPLAY NAME +CUSTOMER +STATUS/);
    assert.match(people.stdout, /CLI helpdesk +Northwind Traders +active/);

    const unconfirmed = await jane.run(['gdap', 'terminate', created.id]);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /needs --yes/);
    assert.deepEqual(await json(['gdap', 'terminate', created.id, '--yes']), {
      id: created.id,
      status: 'terminated',
    });
  });

  test('CLI: bad terms are refused with the Graph code (exit 1), usage errors with exit 2, nothing on stdout', async () => {
    const bad = await jane.run([
      'gdap',
      'create',
      '--name',
      'Too long',
      '--roles',
      USER_ADMIN,
      '--duration',
      'P3Y',
    ]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /Request_BadRequest/);
    for (const args of [
      ['gdap', 'create', '--roles', USER_ADMIN],
      ['gdap', 'create', '--name', 'No roles'],
      ['gdap', 'create', '--name', 'Bad role', '--roles', 'helpdesk'],
      ['gdap', 'list', '--customer', 'northwind'],
    ]) {
      const result = await jane.run(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stdout, '', args.join(' '));
    }
  });
});
