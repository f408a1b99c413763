import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runGdapClock } from '../src/delegated-admin/clock-job.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { approveAsCustomer, gdapApi, HELPDESK_ADMIN, RELATIONSHIPS, USER_ADMIN } from './support/gdap.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { type ApiResponse, callApi, sign, userClaims } from './support/tokens.ts';

const DAY = 86_400_000;
const ETAG = /^W\/"[\w-]+"$/;

function graphError(res: ApiResponse, status: number, code: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, code, what);
}

const roles = (...ids: string[]) => ({ unifiedRoles: ids.map((roleDefinitionId) => ({ roleDefinitionId })) });

describe('SPEC §13: GDAP access assignments and operations through Microsoft Graph (reference §1.5–1.6)', () => {
  let w: TestWarden;
  let jane: string;
  let api: ReturnType<typeof gdapApi>;
  let northwind: string;
  const group = async (token: string, name: string) => {
    const res = await callApi(w, 'POST', '/v1.0/groups', {
      token,
      body: { displayName: name, mailEnabled: false, securityEnabled: true },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const assign = (id: string, groupId: string, details = roles(USER_ADMIN)) =>
    api.call('POST', `/${id}/accessAssignments`, {
      body: {
        accessContainer: { accessContainerId: groupId, accessContainerType: 'securityGroup' },
        accessDetails: details,
      },
    });
  const active = async (overrides: Record<string, unknown> = {}) => {
    const pending = (await api.locked(overrides)).body;
    await approveAsCustomer(w, northwind, pending.id);
    return (await api.get(pending.id)).body;
  };
  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, 'jane@contoso.example');
    api = gdapApi(w, jane);
    northwind = w.demo.tenants.northwind!.id;
  });
  after(() => w.stop());

  it('SPEC §13: the whole lifecycle through Graph — create, PATCH, lock, customer approval, assign a group, change its roles (202 + operation), terminate', async () => {
    const created = await api.create();
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    const patched = await api.patch(
      id,
      { displayName: 'Lifecycle', duration: 'P90D' },
      created.body['@odata.etag'],
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const lock = await api.request(id, 'lockForApproval');
    assert.equal(lock.status, 201);
    assert.equal((await api.get(id)).body.status, 'approvalPending');
    await approveAsCustomer(w, northwind, id);
    const live = (await api.get(id)).body;
    assert.equal(live.status, 'active');
    assert.equal(Date.parse(live.endDateTime) - Date.parse(live.activatedDateTime), 90 * DAY);

    const helpdesk = await group(jane, 'GDAP Northwind helpdesk');
    const made = await assign(id, helpdesk, roles(USER_ADMIN, HELPDESK_ADMIN));
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const aa = made.body.id as string;
    assert.equal(made.headers.get('location'), `${w.baseUrl}${RELATIONSHIPS}/${id}/accessAssignments/${aa}`);
    assert.equal(made.body.status, 'pending');
    assert.deepEqual(made.body.accessContainer, {
      accessContainerId: helpdesk,
      accessContainerType: 'securityGroup',
    });
    const read = await api.call('GET', `/${id}/accessAssignments/${aa}`);
    assert.equal(read.body.status, 'active');
    assert.match(read.body['@odata.etag'], ETAG);
    const list = await api.call('GET', `/${id}/accessAssignments`);
    assert.deepEqual(
      list.body.value.map((a: { id: string }) => a.id),
      [aa],
    );
    assert.equal(list.body.value[0]['@odata.etag'], read.body['@odata.etag']);

    // §1.5 update: unchanged → 200 with the object; changed → 202, Location of the operation, Retry-After.
    const path = `/${id}/accessAssignments/${aa}`;
    graphError(
      await api.call('PATCH', path, { body: { accessDetails: roles(USER_ADMIN) } }),
      428,
      'preconditionRequired',
    );
    const same = await api.call('PATCH', path, {
      body: { accessDetails: roles(HELPDESK_ADMIN, USER_ADMIN) },
      etag: read.body['@odata.etag'],
    });
    assert.equal(same.status, 200);
    assert.equal(same.body['@odata.etag'], read.body['@odata.etag']);
    const changed = await api.call('PATCH', path, {
      body: { accessDetails: roles(HELPDESK_ADMIN) },
      etag: read.body['@odata.etag'],
    });
    assert.equal(changed.status, 202, JSON.stringify(changed.body));
    assert.deepEqual(changed.body, {});
    assert.equal(changed.headers.get('retry-after'), '10');
    const location = changed.headers.get('location')!;
    assert.match(location, new RegExp(`^${w.baseUrl}${RELATIONSHIPS}/${id}/operations/[0-9a-f-]{36}$`));
    const operation = await callApi(w, 'GET', location.slice(w.baseUrl.length), { token: jane });
    assert.equal(operation.status, 200);
    assert.equal(operation.body.operationType, 'delegatedAdminAccessAssignmentUpdate');
    assert.equal(operation.body.status, 'succeeded');
    assert.deepEqual(JSON.parse(operation.body.data).accessDetails, roles(HELPDESK_ADMIN));
    const operations = await api.call('GET', `/${id}/operations`);
    assert.deepEqual(
      operations.body.value.map((o: { id: string }) => o.id),
      [operation.body.id],
    );
    graphError(
      await api.call('PATCH', path, {
        body: { accessDetails: roles(USER_ADMIN) },
        etag: read.body['@odata.etag'],
      }),
      412,
      'preconditionFailed',
      'stale assignment ETag',
    );
    const now = await api.call('GET', path);
    assert.deepEqual(now.body.accessDetails, roles(HELPDESK_ADMIN), 'the stale PATCH changed nothing');

    // Terminate: the relationship ends, its groups lose the roles at once.
    const terminate = await api.request(id, 'terminate');
    assert.equal(terminate.status, 201);
    assert.equal((await api.get(id)).body.status, 'terminated');
    assert.equal((await api.call('GET', path)).body.status, 'deleted');
    graphError(await assign(id, await group(jane, 'GDAP too late')), 400, 'invalidStatusTransition');
  });

  it('reference §1.5: an assignment takes one security group of the partner, roles from the relationship; refusals are 400/409 and write nothing', async () => {
    const rel = await active();
    const mine = await group(jane, 'GDAP rules');
    const [fabrikamGroup] = await w.ctx.db
      .selectFrom('groups')
      .select('id')
      .where('tenant_id', '=', w.demo.tenants.fabrikam!.id)
      .execute();
    graphError(
      await assign(rel.id, mine, roles('62e90394-69f5-4237-9190-012177145e10')),
      400,
      'Request_BadRequest',
      'role outside',
    );
    graphError(await assign(rel.id, fabrikamGroup!.id), 400, 'Request_BadRequest', "another tenant's group");
    graphError(await assign(rel.id, crypto.randomUUID()), 400, 'Request_BadRequest', 'no such group');
    const bad = await api.call('POST', `/${rel.id}/accessAssignments`, {
      body: {
        accessContainer: { accessContainerId: mine, accessContainerType: 'user' },
        accessDetails: roles(USER_ADMIN),
      },
    });
    graphError(bad, 400, 'Request_BadRequest', 'not a security group');
    assert.deepEqual((await api.call('GET', `/${rel.id}/accessAssignments`)).body.value, []);
    const first = await assign(rel.id, mine);
    assert.equal(first.status, 201);
    graphError(await assign(rel.id, mine), 409, 'conflict', 'same group twice');
    const pending = (await api.locked()).body;
    graphError(await assign(pending.id, mine), 400, 'invalidStatusTransition', 'not active yet');
    // PATCH to a role outside the relationship, and DELETE without If-Match: refused, unchanged.
    const aa = (await api.call('GET', `/${rel.id}/accessAssignments/${first.body.id}`)).body;
    const path = `/${rel.id}/accessAssignments/${aa.id}`;
    graphError(
      await api.call('PATCH', path, {
        body: { accessDetails: roles('62e90394-69f5-4237-9190-012177145e10') },
        etag: aa['@odata.etag'],
      }),
      400,
      'Request_BadRequest',
    );
    graphError(await api.call('DELETE', path), 428, 'preconditionRequired');
    graphError(await api.call('DELETE', path, { etag: 'W/"old"' }), 412, 'preconditionFailed');
    assert.deepEqual((await api.call('GET', path)).body, aa);
    const deleted = await api.call('DELETE', path, { etag: aa['@odata.etag'] });
    assert.equal(deleted.status, 204);
    graphError(await api.call('GET', path), 404, 'Request_ResourceNotFound');
    // The group can be assigned again once its assignment is gone.
    assert.equal((await assign(rel.id, mine)).status, 201);
  });

  it('reference §1.3, §1.9: at endDateTime on Warden’s clock the relationship is expired through GET and its assignments are deleted; an auto-extending one moves 180 days on', async () => {
    const ending = await active({ duration: 'P1D' });
    const extending = await active({ duration: 'P1D', autoExtendDuration: 'P180D' });
    const aa = (await assign(ending.id, await group(jane, 'GDAP expiring'))).body.id;
    w.clock.advance(DAY + 60_000);
    await runGdapClock(w.ctx.db, w.clock.now());
    // The clock moved past the token's life: a token as Warden issues it at the new time.
    const fresh = gdapApi(w, await sign(w, userClaims(w, 'jane@contoso.example', { aud: GRAPH_API })));
    const expiredRes = await fresh.get(ending.id);
    assert.equal(expiredRes.status, 200, JSON.stringify(expiredRes.body));
    const expired = expiredRes.body;
    assert.equal(expired.status, 'expired');
    assert.equal((await fresh.call('GET', `/${ending.id}/accessAssignments/${aa}`)).body.status, 'deleted');
    graphError(
      await fresh.request(ending.id, 'terminate'),
      400,
      'invalidStatusTransition',
      'expired is final',
    );
    graphError(
      await fresh.patch(ending.id, { autoExtendDuration: 'P180D' }, expired['@odata.etag']),
      400,
      'invalidStatusTransition',
    );
    const moved = (await fresh.get(extending.id)).body;
    assert.equal(moved.status, 'active');
    assert.equal(Date.parse(moved.endDateTime) - Date.parse(extending.endDateTime), 180 * DAY);
  });

  it('SPEC §13, reference §1.3: a relationship past its endDateTime expires — turning auto-extension on before the clock’s job runs is refused and changes nothing', async () => {
    // Tokens as Warden issues them at the clock's time (earlier tests moved it).
    const token = async () => sign(w, userClaims(w, 'jane@contoso.example', { aud: GRAPH_API }));
    api = gdapApi(w, await token());
    const ending = await active({ duration: 'P1D' });
    w.clock.advance(DAY + 60_000);
    const fresh = gdapApi(w, await token());
    const due = (await fresh.get(ending.id)).body;
    assert.equal(due.status, 'active', 'the clock’s job has not run yet');
    graphError(
      await fresh.patch(ending.id, { autoExtendDuration: 'P180D' }, due['@odata.etag']),
      400,
      'invalidStatusTransition',
      'auto-extension after the end',
    );
    assert.equal((await fresh.get(ending.id)).body['@odata.etag'], due['@odata.etag']);
    await runGdapClock(w.ctx.db, w.clock.now());
    const ended = (await fresh.get(ending.id)).body;
    assert.equal(ended.status, 'expired');
  });
});
