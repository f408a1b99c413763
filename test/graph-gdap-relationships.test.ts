import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAuditEvents } from '../src/audit/audit-events.ts';
import {
  applyEvent,
  DelegatedAdminError,
  getRelationship,
  requestAction,
} from '../src/delegated-admin/relationships.ts';
import { addGroupMemberByName, insertGroup } from '../src/directory/groups.ts';
import {
  approveAsCustomer,
  appWithRoles,
  GLOBAL_ADMIN,
  gdapApi,
  mfaGraphToken,
  RELATIONSHIPS,
  terms,
  USER_ADMIN,
} from './support/gdap.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { type ApiResponse, callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const ETAG = /^W\/"[\w-]+"$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

function graphError(res: ApiResponse, status: number, code: string, what = ''): void {
  assert.equal(res.status, status, `${what} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, code, what);
}

describe('SPEC §13: GDAP relationships through Microsoft Graph (reference §1.1–1.4)', () => {
  let w: TestWarden;
  let jane: string;
  let api: ReturnType<typeof gdapApi>;
  let northwind: string;
  let contoso: string;
  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, 'jane@contoso.example');
    api = gdapApi(w, jane);
    northwind = w.demo.tenants.northwind!.id;
    contoso = w.demo.tenants.contoso!.id;
  });
  after(() => w.stop());

  it('reference §1.1–1.2: POST creates in `created`: 201, Location, @odata.etag, Graph shape with the customer’s name; GET answers the same object', async () => {
    const res = await api.create({ displayName: 'Northwind helpdesk' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id = res.body.id as string;
    assert.equal(res.headers.get('location'), `${w.baseUrl}${RELATIONSHIPS}/${id}`);
    assert.match(res.body['@odata.etag'], ETAG);
    assert.equal(
      res.body['@odata.context'],
      `${w.baseUrl}/v1.0/$metadata#tenantRelationships/delegatedAdminRelationships/$entity`,
    );
    assert.equal(res.body.status, 'created');
    assert.equal(res.body.displayName, 'Northwind helpdesk');
    assert.equal(res.body.duration, 'P30D');
    assert.equal(res.body.autoExtendDuration, 'PT0S');
    assert.deepEqual(res.body.customer, { tenantId: northwind, displayName: 'Northwind Traders' });
    assert.equal(res.body.accessDetails.unifiedRoles.length, 2);
    assert.match(res.body.createdDateTime, ISO);
    assert.match(res.body.lastModifiedDateTime, ISO);
    assert.equal(res.body.activatedDateTime, null);
    assert.equal(res.body.endDateTime, null);
    const read = await api.get(id);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, res.body);
    // The actor of the partner's audit log is the Admin agent who called; the customer's log
    // starts when the request reaches it (lockForApproval), not with the partner's draft.
    const [event] = await listAuditEvents(w.ctx.db, contoso, { targetId: id });
    assert.equal(event?.actor.name, 'jane@contoso.example');
    assert.equal(event?.actor.tenantId, contoso);
    assert.equal(event?.otherTenantId, northwind);
    assert.equal((await listAuditEvents(w.ctx.db, northwind, { targetId: id })).length, 0);
  });

  it('reference §1.2: bad terms are 400 Request_BadRequest with a clear message, a taken displayName is 409 conflict; nothing is written', async () => {
    const bad: [string, Record<string, unknown>][] = [
      ['name over 50 characters', { displayName: 'x'.repeat(51) }],
      ['duration over P2Y', { duration: 'P731D' }],
      ['duration under P1D', { duration: 'PT1H' }],
      ['auto-extension not PT0S/P0D/P180D', { autoExtendDuration: 'P90D' }],
      ['unknown role', { accessDetails: { unifiedRoles: [{ roleDefinitionId: crypto.randomUUID() }] } }],
      ['no roles', { accessDetails: { unifiedRoles: [] } }],
      [
        'auto-extension with Global Administrator',
        {
          accessDetails: { unifiedRoles: [{ roleDefinitionId: GLOBAL_ADMIN }] },
          autoExtendDuration: 'P180D',
        },
      ],
      ['a tenant that is not our customer', { customer: { tenantId: w.demo.tenants.tailspin!.id } }],
      ['an unknown property', { status: 'active' }],
    ];
    const before = (await api.call('GET', '')).body.value.length;
    for (const [what, overrides] of bad) {
      const res = await api.create(overrides);
      graphError(res, 400, 'Request_BadRequest', what);
      assert.ok(res.body.error.message.length > 10, what);
    }
    const ga = await api.create({
      accessDetails: { unifiedRoles: [{ roleDefinitionId: GLOBAL_ADMIN }] },
      autoExtendDuration: 'P180D',
    });
    assert.match(ga.body.error.message, /Global Administrator/);
    const first = await api.create({ displayName: 'Taken name' });
    assert.equal(first.status, 201);
    graphError(await api.create({ displayName: 'Taken name' }), 409, 'conflict', 'duplicate');
    assert.equal((await api.call('GET', '')).body.value.length, before + 1);
  });

  it('SPEC §13 item 2: the displayName the customer reads holds no control characters (NUL, line breaks, escapes): 400 on create and PATCH, nothing written', async () => {
    const before = (await api.call('GET', '')).body.value.length;
    for (const displayName of ['a\u0000b', 'Contoso\r\nApproved by Microsoft', 'x\u001b[2Jy'])
      graphError(await api.create({ displayName }), 400, 'Request_BadRequest', JSON.stringify(displayName));
    assert.equal((await api.call('GET', '')).body.value.length, before);
    const rel = (await api.create()).body;
    graphError(
      await api.patch(rel.id, { displayName: 'a\nb' }, rel['@odata.etag']),
      400,
      'Request_BadRequest',
      'PATCH',
    );
    assert.equal((await api.get(rel.id)).body.displayName, rel.displayName);
  });

  it('reference §1.1: the list filters on status and customer/tenantId (eq), pages with $top and @odata.nextLink, and refuses what it cannot filter', async () => {
    const adatum = w.demo.tenants.adatum!.id;
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) mine.push((await api.create({ customer: { tenantId: adatum } })).body.id);
    const filter = encodeURIComponent(`customer/tenantId eq '${adatum}' and status eq 'created'`);
    const all = await api.call('GET', `?$filter=${filter}`);
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.value.map((r: { id: string }) => r.id).sort(), [...mine].sort());
    assert.ok(all.body.value.every((r: { '@odata.etag': string }) => ETAG.test(r['@odata.etag'])));
    const seen: string[] = [];
    let next: string | undefined = `${RELATIONSHIPS}?$filter=${filter}&$top=2`;
    for (let pages = 0; next; pages++) {
      assert.ok(pages < 3);
      const page = await callApi(w, 'GET', next, { token: jane });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      seen.push(...page.body.value.map((r: { id: string }) => r.id));
      next = page.body['@odata.nextLink']?.slice(w.baseUrl.length);
    }
    assert.deepEqual(
      seen,
      all.body.value.map((r: { id: string }) => r.id),
    );
    const locked = await api.call('GET', `?$filter=${encodeURIComponent("status eq 'approvalPending'")}`);
    assert.ok(locked.body.value.every((r: { status: string }) => r.status === 'approvalPending'));
    for (const query of [
      '$top=301',
      `$filter=${encodeURIComponent("status eq 'nonsense'")}`,
      `$filter=${encodeURIComponent("displayName eq 'x'")}`,
      '$orderby=displayName',
    ])
      graphError(await api.call('GET', `?${query}`), 400, 'Request_UnsupportedQuery', query);
    graphError(
      await api.get(`${crypto.randomUUID()}-${crypto.randomUUID()}`),
      404,
      'Request_ResourceNotFound',
    );
  });

  it('SPEC §13 (PostgreSQL too): a malformed id or $skiptoken is 404 or 400, never a 500 from the database', async () => {
    const rel = (await api.create()).body;
    const token = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const key of [
      [1.5, rel.id],
      [1e300, rel.id],
      [Date.now(), 'a\u0000b'],
    ])
      graphError(
        await api.call('GET', `?$skiptoken=${token(key)}`),
        400,
        'Request_UnsupportedQuery',
        JSON.stringify(key),
      );
    for (const path of ['/a%00b', `/${rel.id}/accessAssignments/a%00b`, `/${rel.id}/operations/a%00b`])
      graphError(await api.call('GET', path), 404, 'Request_ResourceNotFound', path);
    graphError(
      await api.call('PATCH', '/a%00b', { body: { displayName: 'x' }, etag: '*' }),
      404,
      'Request_ResourceNotFound',
    );
  });

  it('reference §1.1 Concurrency: PATCH and DELETE need If-Match: none is 428, a stale ETag 412 (nothing changes), the current one 200 with a new ETag', async () => {
    const created = (await api.create()).body;
    const path = `/${created.id}`;
    graphError(await api.patch(created.id, { displayName: 'No etag' }), 428, 'preconditionRequired');
    const renamed = await api.patch(
      created.id,
      { displayName: 'Renamed', duration: 'P60D' },
      created['@odata.etag'],
    );
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.displayName, 'Renamed');
    assert.equal(renamed.body.duration, 'P60D');
    assert.notEqual(renamed.body['@odata.etag'], created['@odata.etag']);
    graphError(
      await api.patch(created.id, { displayName: 'Stale' }, created['@odata.etag']),
      412,
      'preconditionFailed',
    );
    graphError(await api.call('DELETE', path, { etag: created['@odata.etag'] }), 412, 'preconditionFailed');
    graphError(await api.call('DELETE', path), 428, 'preconditionRequired');
    assert.deepEqual((await api.get(created.id)).body, renamed.body, 'the refused changes changed nothing');
    // The ETag of another relationship never stands for this one.
    const other = (await api.create()).body;
    graphError(
      await api.patch(created.id, { displayName: 'Other' }, other['@odata.etag']),
      412,
      'preconditionFailed',
    );
    const deleted = await api.call('DELETE', path, { etag: renamed.body['@odata.etag'] });
    assert.equal(deleted.status, 204);
    graphError(await api.get(created.id), 404, 'Request_ResourceNotFound');
  });

  it('reference §1.2–1.4: each forbidden transition or edit is 400 invalidStatusTransition and changes nothing (same ETag and status on re-GET)', async () => {
    const created = (await api.create()).body;
    graphError(
      await api.request(created.id, 'terminate'),
      400,
      'invalidStatusTransition',
      'terminate while created',
    );
    const pending = (await api.locked()).body;
    assert.equal(pending.status, 'approvalPending');
    const refusals: [string, () => Promise<ApiResponse>][] = [
      ['lock twice', () => api.request(pending.id, 'lockForApproval')],
      ['terminate while approvalPending', () => api.request(pending.id, 'terminate')],
      [
        'rename while approvalPending',
        () => api.patch(pending.id, { displayName: 'Late' }, pending['@odata.etag']),
      ],
      [
        'change roles while approvalPending',
        () =>
          api.patch(
            pending.id,
            { accessDetails: { unifiedRoles: [{ roleDefinitionId: USER_ADMIN }] } },
            pending['@odata.etag'],
          ),
      ],
      [
        'auto-extension while approvalPending',
        () => api.patch(pending.id, { autoExtendDuration: 'P180D' }, pending['@odata.etag']),
      ],
      [
        'delete while approvalPending',
        () => api.call('DELETE', `/${pending.id}`, { etag: pending['@odata.etag'] }),
      ],
    ];
    for (const [what, attempt] of refusals) {
      graphError(await attempt(), 400, 'invalidStatusTransition', what);
      const now = (await api.get(pending.id)).body;
      assert.deepEqual([now.status, now['@odata.etag']], [pending.status, pending['@odata.etag']], what);
    }
    // approve/reject are the customer's, not the partner's requests.
    graphError(await api.request(pending.id, 'approve'), 400, 'Request_BadRequest');
    // Once active only the auto-extension changes; DELETE and other edits stay refused.
    await approveAsCustomer(w, northwind, pending.id);
    const active = (await api.get(pending.id)).body;
    assert.equal(active.status, 'active');
    assert.match(active.activatedDateTime, ISO);
    assert.match(active.endDateTime, ISO);
    assert.equal(Date.parse(active.endDateTime) - Date.parse(active.activatedDateTime), 30 * 86_400_000);
    graphError(
      await api.patch(pending.id, { duration: 'P90D' }, active['@odata.etag']),
      400,
      'invalidStatusTransition',
    );
    graphError(
      await api.call('DELETE', `/${pending.id}`, { etag: active['@odata.etag'] }),
      400,
      'invalidStatusTransition',
    );
    graphError(await api.request(pending.id, 'lockForApproval'), 400, 'invalidStatusTransition');
    assert.equal((await api.get(pending.id)).body['@odata.etag'], active['@odata.etag']);
    const extended = await api.patch(pending.id, { autoExtendDuration: 'P180D' }, active['@odata.etag']);
    assert.equal(extended.status, 200);
    assert.equal(extended.body.autoExtendDuration, 'P180D');
    // Terminated: the end is the moment it ended; nothing leads back.
    const terminate = await api.request(pending.id, 'terminate');
    assert.equal(terminate.status, 201);
    assert.equal(terminate.body.action, 'terminate');
    const ended = (await api.get(pending.id)).body;
    assert.equal(ended.status, 'terminated');
    graphError(await api.request(pending.id, 'terminate'), 400, 'invalidStatusTransition');
    graphError(
      await api.patch(pending.id, { autoExtendDuration: 'PT0S' }, ended['@odata.etag']),
      400,
      'invalidStatusTransition',
    );
  });

  it('reference §1.4: requests are 201 with Location, listed and read; lockForApproval honours an If-Match when sent', async () => {
    const created = (await api.create()).body;
    const stale = await api.call('POST', `/${created.id}/requests`, {
      body: { action: 'lockForApproval' },
      etag: 'W/"stale"',
    });
    graphError(stale, 412, 'preconditionFailed');
    const lock = await api.call('POST', `/${created.id}/requests`, {
      body: { action: 'lockForApproval' },
      etag: created['@odata.etag'],
    });
    assert.equal(lock.status, 201, JSON.stringify(lock.body));
    assert.equal(
      lock.headers.get('location'),
      `${w.baseUrl}${RELATIONSHIPS}/${created.id}/requests/${lock.body.id}`,
    );
    assert.deepEqual([lock.body.action, lock.body.status], ['lockForApproval', 'succeeded']);
    const list = await api.call('GET', `/${created.id}/requests`);
    assert.deepEqual(
      list.body.value.map((r: { id: string }) => r.id),
      [lock.body.id],
    );
    const one = await api.call('GET', `/${created.id}/requests/${lock.body.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.action, 'lockForApproval');
    graphError(
      await api.call('GET', `/${created.id}/requests/${crypto.randomUUID()}`),
      404,
      'Request_ResourceNotFound',
    );
  });

  it('reference §1.1: only the partner’s Admin agents with MFA and partner apps with the DelegatedAdminRelationship permissions get in', async () => {
    const rel = (await api.create()).body;
    const reads = (token: string) => callApi(w, 'GET', RELATIONSHIPS, { token });
    const writes = (token: string) => callApi(w, 'POST', RELATIONSHIPS, { token, body: terms(w) });
    // A partner user who is no Admin agent is refused, even as Global Administrator.
    for (const spec of [
      { groups: ['SalesAgents'] },
      { groups: ['HelpdeskAgents'] },
      { roles: ['Global Administrator' as const] },
    ]) {
      const user = await makeUser(w, { ...spec, totp: true });
      const token = await mfaGraphToken(w, user.upn);
      graphError(await reads(token), 403, 'Authorization_RequestDenied', JSON.stringify(spec));
      graphError(await writes(token), 403, 'Authorization_RequestDenied', JSON.stringify(spec));
    }
    // A new Admin agent is admitted at once (membership read on each request).
    const agent = await makeUser(w, { groups: ['AdminAgents'], totp: true });
    assert.equal((await reads(await mfaGraphToken(w, agent.upn))).status, 200);
    // SPEC §5: without MFA, the step-up challenge first.
    const john = await graphToken(w, 'john@fabrikam.example');
    const noMfa = await reads(john);
    graphError(noMfa, 401, 'Authentication_MfaRequired');
    assert.match(noMfa.headers.get('www-authenticate') ?? '', /insufficient_user_authentication/);
    // A customer's administrator, even in a group named AdminAgents, is not a partner.
    const group = await insertGroup(w.ctx.db, northwind, 'AdminAgents', w.clock.now());
    assert.ok(group.id);
    const customerAdmin = await makeUser(w, {
      tenant: 'northwind',
      roles: ['Global Administrator'],
      totp: true,
    });
    await addGroupMemberByName(w.ctx.db, northwind, 'AdminAgents', customerAdmin.id);
    graphError(
      await reads(await mfaGraphToken(w, customerAdmin.upn)),
      403,
      'Authorization_RequestDenied',
      'customer admin',
    );
    // Apps: ReadWrite.All reads and writes; Read.All reads only; neither: refused; a customer's app never.
    const writer = await appWithRoles(w, 'contoso', ['DelegatedAdminRelationship.ReadWrite.All']);
    const reader = await appWithRoles(w, 'contoso', ['DelegatedAdminRelationship.Read.All']);
    const neither = await appWithRoles(w, 'contoso', ['User.Read.All']);
    const customerApp = await appWithRoles(w, 'northwind', ['DelegatedAdminRelationship.ReadWrite.All']);
    assert.equal((await reads(writer)).status, 200);
    const made = await writes(writer);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const [event] = await listAuditEvents(w.ctx.db, contoso, { targetId: made.body.id });
    assert.equal(event?.actor.userId, null);
    assert.match(event?.actor.name ?? '', /^GDAP app/);
    assert.equal((await reads(reader)).status, 200);
    assert.equal((await callApi(w, 'GET', `${RELATIONSHIPS}/${rel.id}`, { token: reader })).status, 200);
    graphError(await writes(reader), 403, 'Authorization_RequestDenied', 'Read.All writes');
    graphError(await reads(neither), 403, 'Authorization_RequestDenied', 'no GDAP role');
    graphError(await reads(customerApp), 403, 'Authorization_RequestDenied', 'customer app reads');
    graphError(await writes(customerApp), 403, 'Authorization_RequestDenied', 'customer app writes');
    // Another partner's Admin agents never see this partner's relationships.
    const fabrikamAgent = await makeUser(w, { tenant: 'fabrikam', groups: ['AdminAgents'], totp: true });
    const theirs = await mfaGraphToken(w, fabrikamAgent.upn);
    graphError(
      await callApi(w, 'GET', `${RELATIONSHIPS}/${rel.id}`, { token: theirs }),
      404,
      'Request_ResourceNotFound',
    );
    assert.equal(
      (await reads(theirs)).body.value.some((r: { id: string }) => r.id === rel.id),
      false,
    );
  });

  it('reference §1.4: a request answers with its own action, even when lock, approval and termination fall in one millisecond', async () => {
    const by = { tenantId: contoso, userId: null, appId: null, name: 'test' };
    for (let round = 0; round < 10; round++) {
      const created = (await api.create()).body;
      const now = w.clock.now();
      const lock = await requestAction(w.ctx.db, contoso, created.id, 'lockForApproval', { by }, now);
      assert.equal(lock.request.action, 'lockForApproval');
      await applyEvent(
        w.ctx.db,
        { customerTenantId: northwind },
        created.id,
        { event: 'approve', actor: 'customer' },
        now,
      );
      const end = await requestAction(w.ctx.db, contoso, created.id, 'terminate', { by }, now);
      assert.equal(end.request.action, 'terminate');
      assert.equal(end.relationship.status, 'terminated');
    }
  });

  it('SPEC §13: concurrent answers to one relationship end in one consistent status (approve vs reject, partner vs customer terminate)', async () => {
    const db = w.ctx.db;
    for (let round = 0; round < 5; round++) {
      const pending = (await api.locked()).body;
      const read = await getRelationship(db, { partnerTenantId: contoso }, pending.id);
      const answer = (event: 'approve' | 'reject') =>
        applyEvent(
          db,
          { customerTenantId: northwind },
          pending.id,
          { event, actor: 'customer', approvedBy: 'admin' },
          w.clock.now(),
        );
      const results = await Promise.allSettled([answer('approve'), answer('reject')]);
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, JSON.stringify(results));
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(lost.reason instanceof DelegatedAdminError, String(lost.reason));
      assert.ok(['precondition_failed', 'transition_refused'].includes(lost.reason.code), lost.reason.code);
      const winner = results[0]!.status === 'fulfilled' ? 'active' : 'terminated';
      const stored = await getRelationship(db, { partnerTenantId: contoso }, pending.id);
      assert.equal(stored?.status, winner);
      assert.equal(stored?.version, read!.version + 1, 'one change, not two');
      assert.equal((await api.get(pending.id)).body.status, winner);
    }
    for (let round = 0; round < 5; round++) {
      const pending = (await api.locked()).body;
      await approveAsCustomer(w, northwind, pending.id);
      const results = await Promise.allSettled([
        requestAction(
          db,
          contoso,
          pending.id,
          'terminate',
          { by: { tenantId: contoso, userId: null, appId: null, name: 'test' } },
          w.clock.now(),
        ),
        applyEvent(
          db,
          { customerTenantId: northwind },
          pending.id,
          { event: 'terminate', actor: 'customer' },
          w.clock.now(),
        ),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results));
      const stored = await getRelationship(db, { partnerTenantId: contoso }, pending.id);
      assert.equal(stored?.status, 'terminated');
      const requests = (await api.call('GET', `/${pending.id}/requests`)).body.value;
      assert.equal(requests.filter((r: { action: string }) => r.action === 'terminate').length, 1);
    }
  });
});
