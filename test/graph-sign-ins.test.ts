import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SIGN_IN_ERRORS } from '../src/errors/sign-in-errors.ts';
import { querySignIns, recordSignIn, type SignInRecord } from '../src/sign-in-logs/sign-in-log.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';

const JANE = 'jane@contoso.example';
const SAM = 'sam@contoso.example';

describe('SPEC §11: Graph auditLogs/signIns', () => {
  let w: TestWarden;
  let jane: string;
  let contoso: string;
  let fabrikam: string;
  /** A fixed window of the log, well before the test's own sign-ins, holding the rows written here. */
  let t0: number;
  const ids: Record<string, string> = {};

  const row = (over: Partial<SignInRecord>): SignInRecord => ({
    resourceTenantId: contoso,
    homeTenantId: contoso,
    userId: w.demo.users[SAM]!.id,
    userPrincipalName: SAM,
    appId: w.demo.clients['warden-cli']!.clientId,
    ipAddress: '192.0.2.10',
    clientAppUsed: 'Browser',
    isInteractive: true,
    errorCode: 0,
    authenticationRequirement: 'singleFactorAuthentication',
    requirementPolicy: null,
    steps: [],
    createdAt: t0,
    ...over,
  });

  const get = (path: string, token = jane) => callApi(w, 'GET', path, { token });
  /** Follows @odata.nextLink to the end, as a script or `warden signins` does. */
  async function all(path: string, token = jane, during?: () => Promise<void>) {
    const pages: { id: string; createdDateTime: string }[][] = [];
    let next: string | undefined = path;
    while (next) {
      const response = await get(next, token);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      pages.push(response.body.value);
      next = response.body['@odata.nextLink']?.slice(w.baseUrl.length);
      if (during) await during();
    }
    return pages;
  }
  const window = (from: number, to: number) =>
    `createdDateTime ge ${new Date(from).toISOString()} and createdDateTime le ${new Date(to).toISOString()}`;

  before(async () => {
    w = await startWarden();
    contoso = w.demo.tenants.contoso!.id;
    fabrikam = w.demo.tenants.fabrikam!.id;
    t0 = Date.UTC(2025, 0, 1);
    ids.samOk = await recordSignIn(w.ctx.db, row({ createdAt: t0 + 1000 }));
    ids.samFailed = await recordSignIn(
      w.ctx.db,
      row({ createdAt: t0 + 2000, errorCode: 50126, clientAppUsed: 'Mobile Apps and Desktop clients' }),
    );
    ids.samAutomation = await recordSignIn(
      w.ctx.db,
      row({ createdAt: t0 + 3000, appId: w.demo.clients['contoso-automation']!.clientId }),
    );
    ids.jane = await recordSignIn(
      w.ctx.db,
      row({ createdAt: t0 + 4000, userId: w.demo.users[JANE]!.id, userPrincipalName: JANE }),
    );
    ids.fabrikam = await recordSignIn(
      w.ctx.db,
      row({
        resourceTenantId: fabrikam,
        homeTenantId: fabrikam,
        userId: w.demo.users['john@fabrikam.example']!.id,
        userPrincipalName: 'john@fabrikam.example',
        createdAt: t0 + 2500,
      }),
    );
    jane = await graphToken(w, JANE);
  });
  after(() => w.stop());

  it('SPEC §11: the log is newest first in Graph’s signIn shape, with the directory’s display names', async () => {
    const response = await get(`/v1.0/auditLogs/signIns?$filter=${window(t0, t0 + 10_000)}`);
    assert.equal(response.status, 200);
    assert.match(response.body['@odata.context'], /\/v1\.0\/\$metadata#auditLogs\/signIns$/);
    assert.deepEqual(
      response.body.value.map((s: { id: string }) => s.id),
      [ids.jane, ids.samAutomation, ids.samFailed, ids.samOk],
    );
    const failed = response.body.value[2];
    assert.equal(failed.createdDateTime, new Date(t0 + 2000).toISOString());
    assert.equal(failed.userPrincipalName, SAM);
    assert.equal(failed.userDisplayName, 'Sam Sales');
    assert.equal(failed.appDisplayName, 'Warden CLI');
    assert.equal(failed.resourceTenantId, contoso);
    assert.deepEqual(failed.status, {
      errorCode: 50126,
      failureReason: 'InvalidCredentials',
      additionalDetails: SIGN_IN_ERRORS[50126].userMessage,
    });
    assert.equal(failed.isInteractive, true);

    const one = await get(`/v1.0/auditLogs/signIns/${ids.samFailed}`);
    assert.equal(one.status, 200);
    assert.match(one.body['@odata.context'], /#auditLogs\/signIns\/\$entity$/);
    assert.equal(one.body.id, ids.samFailed);
    assert.deepEqual(one.body.status, failed.status);
  });

  it('SPEC §11: the real sign-ins are logged too: Jane’s MFA sign-in that got her token', async () => {
    const response = await get(
      `/v1.0/auditLogs/signIns?$filter=userPrincipalName eq '${JANE}' and status/errorCode eq 0&$top=1`,
    );
    const [latest] = response.body.value;
    assert.equal(latest.userId, w.demo.users[JANE]!.id);
    assert.equal(latest.appId, w.demo.clients['warden-cli']!.clientId);
    assert.equal(latest.authenticationRequirement, 'multiFactorAuthentication');
    assert.ok(Date.parse(latest.createdDateTime) > t0 + 10_000);
  });

  it('SPEC §11: each filter — userId, userPrincipalName (eq, startswith), appId, status/errorCode — joined with and', async () => {
    const inWindow = window(t0, t0 + 10_000);
    const cases: [string, string[]][] = [
      [`userId eq '${w.demo.users[JANE]!.id}'`, [ids.jane!]],
      [`userPrincipalName eq 'SAM@Contoso.Example'`, [ids.samAutomation!, ids.samFailed!, ids.samOk!]],
      [`startswith(userPrincipalName,'ja')`, [ids.jane!]],
      [`appId eq '${w.demo.clients['contoso-automation']!.clientId}'`, [ids.samAutomation!]],
      [`status/errorCode eq 50126`, [ids.samFailed!]],
      [
        `userPrincipalName eq '${SAM}' and status/errorCode eq 0 and appId eq '${w.demo.clients['warden-cli']!.clientId}'`,
        [ids.samOk!],
      ],
      [
        `createdDateTime ge ${new Date(t0 + 2000).toISOString()} and createdDateTime le ${new Date(t0 + 3000).toISOString()}`,
        [ids.samAutomation!, ids.samFailed!],
      ],
      [`startswith(userPrincipalName,'100%')`, []],
    ];
    for (const [filter, expected] of cases) {
      const response = await get(
        `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`${inWindow} and ${filter}`)}`,
      );
      assert.equal(response.status, 200, filter);
      assert.deepEqual(
        response.body.value.map((s: { id: string }) => s.id),
        expected,
        filter,
      );
    }
  });

  it('Graph API: $select returns the chosen properties only', async () => {
    const response = await get(
      `/v1.0/auditLogs/signIns?$filter=${window(t0, t0 + 10_000)}&$select=id,status,userPrincipalName`,
    );
    assert.match(response.body['@odata.context'], /#auditLogs\/signIns\(id,status,userPrincipalName\)$/);
    for (const s of response.body.value)
      assert.deepEqual(Object.keys(s).sort(), ['id', 'status', 'userPrincipalName']);
    const one = await get(`/v1.0/auditLogs/signIns/${ids.jane}?$select=userId`);
    assert.deepEqual(Object.keys(one.body).sort(), ['@odata.context', 'userId']);
  });

  it('Graph API: $top with @odata.nextLink serves every row exactly once, in order, while new sign-ins arrive', async () => {
    // Seven sign-ins in one millisecond and five more around them: ties are broken by id.
    const base = t0 + 100_000;
    const expected: string[] = [];
    for (let i = 0; i < 12; i++) {
      const createdAt = i < 7 ? base : base + (i - 6) * 1000;
      expected.push(
        await recordSignIn(
          w.ctx.db,
          row({ createdAt, userPrincipalName: 'pager@contoso.example', userId: null }),
        ),
      );
    }
    let arrivals = 0;
    const pages = await all(
      `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`userPrincipalName eq 'pager@contoso.example'`)}&$top=5`,
      jane,
      async () => {
        // Newer rows keep arriving while the client pages.
        arrivals++;
        await recordSignIn(
          w.ctx.db,
          row({
            createdAt: base + 60_000 + arrivals,
            userPrincipalName: 'pager@contoso.example',
            userId: null,
          }),
        );
      },
    );
    assert.deepEqual(
      pages.map((p) => p.length),
      [5, 5, 2],
    );
    const served = pages.flat();
    assert.deepEqual(served.map((s) => s.id).sort(), [...expected].sort(), 'each row once, none skipped');
    for (let i = 1; i < served.length; i++) {
      const [a, b] = [served[i - 1]!, served[i]!];
      assert.ok(
        a.createdDateTime > b.createdDateTime || (a.createdDateTime === b.createdDateTime && a.id < b.id),
      );
    }
  });

  it('STYLE 5: tenant scoping: Contoso never sees Fabrikam’s sign-ins, nor Fabrikam Contoso’s', async () => {
    const rows = (await all('/v1.0/auditLogs/signIns?$top=1000')).flat() as unknown as {
      resourceTenantId: string;
      id: string;
    }[];
    assert.ok(rows.length > 5);
    assert.ok(rows.every((s) => s.resourceTenantId === contoso));
    assert.ok(!rows.some((s) => s.id === ids.fabrikam));
    const direct = await get(`/v1.0/auditLogs/signIns/${ids.fabrikam}`);
    assert.equal(direct.status, 404);
    assert.equal(direct.body.error.code, 'Request_ResourceNotFound');

    // The other way round (Fabrikam has no administrator with MFA in the demo): its log query.
    const theirs = await querySignIns(w.ctx.db, fabrikam, { limit: 1000 });
    assert.ok(theirs.some((s) => s.id === ids.fabrikam));
    assert.ok(theirs.every((s) => s.resourceTenantId === fabrikam));
  });

  it('Entra rules: Jane (Global) and Sky (Security) and the automation client (AuditLog.Read.All) read; Bill cannot; John without MFA gets 401', async () => {
    const path = `/v1.0/auditLogs/signIns?$filter=${window(t0, t0 + 10_000)}`;
    for (const token of [await graphToken(w, 'sky@contoso.example'), await graphAppToken(w)]) {
      const response = await get(path, token);
      assert.equal(response.status, 200);
      assert.equal(response.body.value.length, 4);
    }
    const bill = await get(path, await graphToken(w, 'bill@contoso.example'));
    assert.equal(bill.status, 403);
    assert.equal(bill.body.error.code, 'Authorization_RequestDenied');
    const john = await get(path, await graphToken(w, 'john@fabrikam.example'));
    assert.equal(john.status, 401);
    assert.equal(john.body.error.code, 'Authentication_MfaRequired');
    assert.match(john.headers.get('www-authenticate') ?? '', /insufficient_user_authentication/);
  });

  it('Graph API: bad queries get Request_UnsupportedQuery', async () => {
    for (const bad of [
      `$filter=userId eq 'not-a-guid'`,
      `$filter=createdDateTime gt 2025-01-01T00:00:00Z`,
      `$filter=createdDateTime ge '2025-01-01'`,
      `$filter=ipAddress eq '192.0.2.10'`,
      `$filter=status/errorCode eq 'x'`,
      `$filter=userPrincipalName eq '${SAM}' or appId eq 'x'`,
      '$select=status/errorCode',
      '$top=1001',
      '$top=0',
      '$skiptoken=bm90LWEta2V5',
      `$skiptoken=${Buffer.from(JSON.stringify(['x', 1])).toString('base64url')}`,
      // PostgreSQL compares bigint columns: such keys must be refused, not passed on (a 500).
      `$skiptoken=${Buffer.from(JSON.stringify([1.5, 'x'])).toString('base64url')}`,
      `$skiptoken=${Buffer.from(JSON.stringify([1e300, 'x'])).toString('base64url')}`,
      '$filter=status/errorCode eq 1.5',
      '$filter=status/errorCode eq 99999999999',
      '$orderby=createdDateTime',
    ]) {
      const response = await get(`/v1.0/auditLogs/signIns?${bad.replace(/ /g, '%20')}`);
      assert.equal(response.status, 400, bad);
      assert.equal(response.body.error.code, 'Request_UnsupportedQuery', bad);
    }
  });
});
