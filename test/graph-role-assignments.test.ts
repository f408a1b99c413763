import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DirectoryError } from '../src/directory/directory-error.ts';
import { assignmentIdOf, removeRoleAssignment } from '../src/directory/role-assignments.ts';
import { getUser } from '../src/directory/users.ts';
import { graphErrorOf } from '../src/graph-api/directory-errors.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const BASE = '/v1.0/roleManagement/directory';

describe('Graph API: directory role assignments', () => {
  let w: TestWarden;
  let jane: string;
  let sky: string;
  const id = (upn: string) => w.demo.users[upn]!.id;
  const contoso = () => w.demo.tenants.contoso!.id;
  const assignmentsOf = async (principal: string) =>
    (
      await callApi(
        w,
        'GET',
        `${BASE}/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${principal}'`)}`,
        {
          token: jane,
        },
      )
    ).body.value as { id: string; roleDefinitionId: string; principalId: string; directoryScopeId: string }[];

  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, 'jane@contoso.example');
    sky = await graphToken(w, 'sky@contoso.example');
  });
  after(() => w.stop());

  it("Entra rules: role definitions carry Entra's template ids", async () => {
    const res = await callApi(w, 'GET', `${BASE}/roleDefinitions`, { token: jane });
    assert.equal(res.status, 200);
    const global = res.body.value.find(
      (d: { displayName: string }) => d.displayName === 'Global Administrator',
    );
    assert.equal(global.id, GLOBAL_ADMIN);
    assert.equal(global.templateId, GLOBAL_ADMIN);
    assert.equal(global.isBuiltIn, true);
    assert.equal(res.body.value.length, 10);
    const one = await callApi(w, 'GET', `${BASE}/roleDefinitions/${USER_ADMIN}`, { token: sky });
    assert.equal(one.body.displayName, 'User Administrator');
  });

  it('Graph API: assignments are listed, created (201), read by id, refused twice, and filtered by principalId and roleDefinitionId', async () => {
    const janes = await assignmentsOf(id('jane@contoso.example'));
    assert.deepEqual(
      janes.map((a) => [a.roleDefinitionId, a.directoryScopeId]),
      [[GLOBAL_ADMIN, '/']],
    );
    const body = {
      principalId: (await makeUser(w)).id,
      roleDefinitionId: USER_ADMIN,
      directoryScopeId: '/',
    };
    const created = await callApi(w, 'POST', `${BASE}/roleAssignments`, { token: jane, body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.principalId, body.principalId);
    const read = await callApi(w, 'GET', `${BASE}/roleAssignments/${created.body.id}`, { token: sky });
    assert.equal(read.status, 200);
    assert.equal(read.body.roleDefinitionId, USER_ADMIN);
    assert.deepEqual((await getUser(w.ctx.db, contoso(), body.principalId))?.directoryRoles, [
      'User Administrator',
    ]);

    const twice = await callApi(w, 'POST', `${BASE}/roleAssignments`, { token: jane, body });
    assert.equal(twice.status, 400);
    assert.equal(twice.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');

    const byRole = await callApi(
      w,
      'GET',
      `${BASE}/roleAssignments?$filter=${encodeURIComponent(`roleDefinitionId eq '${USER_ADMIN}'`)}`,
      { token: jane },
    );
    assert.deepEqual(
      byRole.body.value.map((a: { principalId: string }) => a.principalId),
      [body.principalId],
    );

    const removed = await callApi(w, 'DELETE', `${BASE}/roleAssignments/${created.body.id}`, { token: jane });
    assert.equal(removed.status, 204);
    assert.equal(
      (await callApi(w, 'GET', `${BASE}/roleAssignments/${created.body.id}`, { token: jane })).status,
      404,
    );
    assert.deepEqual((await getUser(w.ctx.db, contoso(), body.principalId))?.directoryRoles, []);
  });

  it('Graph API: bad input: unknown role, other scope, unknown or foreign principal, unknown property — nothing written', async () => {
    const sam = (await makeUser(w)).id;
    const cases: [unknown, number][] = [
      [
        { principalId: sam, roleDefinitionId: '00000000-0000-0000-0000-000000000001', directoryScopeId: '/' },
        400,
      ],
      [{ principalId: sam, roleDefinitionId: USER_ADMIN, directoryScopeId: '/administrativeUnits/x' }, 400],
      [
        { principalId: id('john@fabrikam.example'), roleDefinitionId: USER_ADMIN, directoryScopeId: '/' },
        404,
      ],
      [{ principalId: sam, roleDefinitionId: USER_ADMIN, directoryScopeId: '/', extra: 1 }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await callApi(w, 'POST', `${BASE}/roleAssignments`, { token: jane, body });
      assert.equal(res.status, status, JSON.stringify(res.body));
    }
    assert.deepEqual((await getUser(w.ctx.db, contoso(), sam))?.directoryRoles, []);
    const john = await getUser(w.ctx.db, w.demo.tenants.fabrikam!.id, id('john@fabrikam.example'));
    assert.deepEqual(john?.directoryRoles, []);
  });

  it('Entra rules: a Security Administrator reads assignments but cannot assign (403); a Billing Administrator cannot read', async () => {
    const body = {
      principalId: id('sky@contoso.example'),
      roleDefinitionId: GLOBAL_ADMIN,
      directoryScopeId: '/',
    };
    const refused = await callApi(w, 'POST', `${BASE}/roleAssignments`, { token: sky, body });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
    assert.deepEqual((await getUser(w.ctx.db, contoso(), body.principalId))?.directoryRoles, [
      'Security Administrator',
    ]);
    const bill = await graphToken(w, 'bill@contoso.example');
    const read = await callApi(w, 'GET', `${BASE}/roleAssignments`, { token: bill });
    assert.equal(read.status, 403);
    assert.match(read.body.error.message, /Global Administrator/);
  });

  it('Graph API: paging: $top=1 and nextLink to the end return every assignment exactly once', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${w.baseUrl}${BASE}/roleAssignments?$top=1`;
    while (url) {
      const res: Response = await fetch(url, { headers: { authorization: `Bearer ${jane}` } });
      const body = (await res.json()) as { value: { id: string }[]; '@odata.nextLink'?: string };
      assert.ok(body.value.length <= 1);
      seen.push(...body.value.map((a) => a.id));
      url = body['@odata.nextLink'];
    }
    // jane (Global), bill (Billing), sky (Security) in Contoso; none of Fabrikam's.
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen).size, 3);
  });

  it('Request_LastGlobalAdministrator: the last enabled Global Administrator keeps the role, stays enabled and is not deleted', async () => {
    const janeId = id('jane@contoso.example');
    const [assignment] = await assignmentsOf(janeId);
    const before = await getUser(w.ctx.db, contoso(), janeId);
    const attempts = [
      await callApi(w, 'DELETE', `${BASE}/roleAssignments/${assignment!.id}`, { token: jane }),
      await callApi(w, 'PATCH', `/v1.0/users/${janeId}`, { token: jane, body: { accountEnabled: false } }),
      await callApi(w, 'DELETE', `/v1.0/users/${janeId}`, { token: jane }),
    ];
    for (const res of attempts) {
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'Request_LastGlobalAdministrator');
    }
    assert.deepEqual(await getUser(w.ctx.db, contoso(), janeId), before);
  });

  it('Request_LastGlobalAdministrator under concurrency: of two Global Administrators removed at once, exactly one removal succeeds', async () => {
    // Fabrikam has no Global Administrator of its own: these two made ones are its only ones.
    const fabrikam = w.demo.tenants.fabrikam!.id;
    const first = await makeUser(w, { tenant: 'fabrikam', roles: ['Global Administrator'] });
    const second = await makeUser(w, { tenant: 'fabrikam', roles: ['Global Administrator'] });
    for (const made of [first, second])
      assert.deepEqual((await getUser(w.ctx.db, fabrikam, made.id))?.directoryRoles, [
        'Global Administrator',
      ]);
    // Straight to the domain function, twice at once: through the API the gate would re-read the
    // caller's roles and refuse the later request with 403 before it reaches the check being raced.
    const results = await Promise.allSettled([
      removeRoleAssignment(w.ctx, fabrikam, assignmentIdOf('Global Administrator', first.id)),
      removeRoleAssignment(w.ctx, fabrikam, assignmentIdOf('Global Administrator', second.id)),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    // The directory's refusal, as the Graph edge answers it.
    assert.ok(refused.reason instanceof DirectoryError, String(refused.reason));
    assert.equal(graphErrorOf(refused.reason).code, 'Request_LastGlobalAdministrator');
    const remaining = [
      await getUser(w.ctx.db, fabrikam, first.id),
      await getUser(w.ctx.db, fabrikam, second.id),
    ].filter((u) => u?.directoryRoles.includes('Global Administrator'));
    assert.equal(remaining.length, 1, 'exactly one Global Administrator is left');
  });
});
