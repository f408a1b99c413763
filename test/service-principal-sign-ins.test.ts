import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { getApplication } from '../src/directory/applications.ts';
import { listServicePrincipalSignIns } from '../src/sign-in-logs/service-principal-sign-in-log.ts';
import { ServicePrincipalSignInWriter } from '../src/sign-in-logs/service-principal-sign-in-writer.ts';
import type { ServicePrincipalSignInTable } from '../src/storage/schema.ts';
import { GRAPH_API, PARTNER_API } from '../src/tokens/audiences.ts';
import { mfaGraphToken } from './support/gdap.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';

/** The object id of an application's own service principal (its home tenant's). */
async function homeServicePrincipalId(w: TestWarden, appId: string): Promise<string> {
  const app = await getApplication(w.ctx.db, w.demo.tenants.contoso!.id, appId);
  assert.ok(app, appId);
  assert.notEqual(app.servicePrincipalId, appId, 'an object id of its own, not the app id');
  return app.servicePrincipalId;
}

const SP_FILTER = `$filter=${encodeURIComponent("signInEventTypes/any(t: t eq 'servicePrincipal')")}`;

/** A client-credentials token request at `tenantKey`'s authority, as a daemon sends it. */
async function clientCredentials(
  w: TestWarden,
  input: { tenantKey?: string; clientId: string; secret: string; scope?: string; requestId?: string },
): Promise<{ status: number; body: { error?: string; access_token?: string } }> {
  const response = await fetch(
    `${w.baseUrl}/${w.demo.tenants[input.tenantKey ?? 'contoso']!.id}/oauth2/v2.0/token`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': '198.51.100.7',
        ...(input.requestId ? { 'client-request-id': input.requestId } : {}),
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: input.clientId,
        client_secret: input.secret,
        scope: input.scope ?? `${PARTNER_API}/.default`,
      }),
    },
  );
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

async function rowsOf(w: TestWarden, tenantKey: string): Promise<ServicePrincipalSignInTable[]> {
  return w.ctx.db
    .selectFrom('service_principal_sign_ins')
    .selectAll()
    .where('tenant_id', '=', w.demo.tenants[tenantKey]!.id)
    .orderBy('created_at')
    .execute();
}

describe('Reference §8: service-principal sign-ins (client credentials) are logged', () => {
  let w: TestWarden;
  let automation: { clientId: string; secret: string };

  before(async () => {
    w = await startWarden();
    const client = w.demo.clients['contoso-automation']!;
    automation = { clientId: client.clientId, secret: client.clientSecret! };
  });
  after(() => w.stop());

  it('Demo data: Contoso’s log shows a granted and a refused service-principal sign-in of its automation app', async () => {
    const rows = await listServicePrincipalSignIns(w.ctx.db, w.demo.tenants.contoso!.id, {
      appId: automation.clientId,
    });
    assert.deepEqual(
      rows.map((r) => r.status.errorCode),
      [7000215, 0],
    );
  });

  it('Reference §8.2: a granted client-credentials request is a row with the app, the resource, the address and the correlation id', async () => {
    const requestId = randomUUID();
    const before = w.clock.now();
    const answer = await clientCredentials(w, { ...automation, requestId });
    assert.equal(answer.status, 200);
    await w.ctx.servicePrincipalSignIns.flush();
    const row = (await rowsOf(w, 'contoso')).find((r) => r.correlation_id === requestId);
    assert.ok(row, 'the request is logged');
    assert.equal(row.app_id, automation.clientId);
    assert.equal(row.app_display_name, 'Contoso automation');
    // The app's own service principal in its home tenant (its object id, not the app id).
    assert.equal(row.service_principal_id, await homeServicePrincipalId(w, automation.clientId));
    assert.equal(row.resource_id, PARTNER_API);
    assert.equal(row.resource_display_name, 'Warden Partner API');
    assert.equal(row.client_credential_type, 'clientSecret');
    assert.equal(row.error_code, 0);
    assert.equal(row.failure_reason, null);
    assert.ok(row.ip_address, 'the address is logged');
    assert.ok(row.created_at > before && row.created_at <= w.clock.now(), "Warden's clock");
  });

  it('Reference §8.3: a wrong secret is a failure row with AADSTS7000215, and the secret is nowhere in it', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const requestId = randomUUID();
    const answer = await clientCredentials(w, { clientId: automation.clientId, secret: wrong, requestId });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error, 'invalid_client');
    await w.ctx.servicePrincipalSignIns.flush();
    const row = (await rowsOf(w, 'contoso')).find((r) => r.correlation_id === requestId);
    assert.ok(row);
    assert.equal(row.error_code, 7000215);
    assert.equal(row.failure_reason, 'Invalid client secret provided.');
    assert.equal(row.app_id, automation.clientId);
    assert.equal(row.app_display_name, 'Contoso automation');
    const text = JSON.stringify(row);
    assert.ok(!text.includes(wrong), 'the presented secret is not stored');
    assert.ok(!text.includes(automation.secret), 'the real secret is not stored');
  });

  it('Reference §8.3: an unknown client is AADSTS700016; a request without a GUID client-request-id gets a correlation id of its own', async () => {
    const answer = await clientCredentials(w, { clientId: 'no-such-app', secret: 'whatever-secret' });
    assert.equal(answer.status, 401);
    await w.ctx.servicePrincipalSignIns.flush();
    const row = (await rowsOf(w, 'contoso')).findLast((r) => r.app_id === 'no-such-app');
    assert.ok(row);
    assert.equal(row.error_code, 700016);
    assert.equal(row.service_principal_id, null);
    assert.equal(row.app_display_name, null);
    assert.match(row.correlation_id, /^[0-9a-f-]{36}$/);
    assert.ok(!JSON.stringify(row).includes('whatever-secret'));
  });

  it('Reference §8.3: no secret is AADSTS7000218; a public client asking for app-only tokens is AADSTS70003', async () => {
    const ids = { noSecret: randomUUID(), publicClient: randomUUID() };
    const contoso = w.demo.tenants.contoso!.id;
    const ask = (body: Record<string, string>, requestId: string) =>
      fetch(`${w.baseUrl}/${contoso}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': requestId },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: `${PARTNER_API}/.default`,
          ...body,
        }),
      });
    assert.equal((await ask({ client_id: automation.clientId }, ids.noSecret)).status, 401);
    assert.equal((await ask({ client_id: 'warden-cli' }, ids.publicClient)).status, 400);
    await w.ctx.servicePrincipalSignIns.flush();
    const rows = await rowsOf(w, 'contoso');
    const codeOf = (id: string) => rows.find((r) => r.correlation_id === id)?.error_code;
    assert.equal(codeOf(ids.noSecret), 7000218);
    assert.equal(codeOf(ids.publicClient), 70003);
  });

  it('Reference §8.1: the Graph filter signInEventTypes/any(t: t eq servicePrincipal) serves them in signIn shape; the unfiltered listing does not', async () => {
    const requestId = randomUUID();
    assert.equal(
      (await clientCredentials(w, { ...automation, requestId, scope: `${GRAPH_API}/.default` })).status,
      200,
    );
    await w.ctx.servicePrincipalSignIns.flush();
    const token = await graphAppToken(w);
    const listed = await callApi(w, 'GET', `/v1.0/auditLogs/signIns?${SP_FILTER}`, { token });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const mine = listed.body.value.find((s: { correlationId: string }) => s.correlationId === requestId);
    assert.ok(mine, 'the service-principal sign-in is listed');
    assert.deepEqual(mine.signInEventTypes, ['servicePrincipal']);
    assert.equal(mine.appId, automation.clientId);
    assert.equal(mine.appDisplayName, 'Contoso automation');
    assert.equal(mine.servicePrincipalId, await homeServicePrincipalId(w, automation.clientId));
    assert.equal(mine.servicePrincipalName, 'Contoso automation');
    assert.equal(mine.clientCredentialType, 'clientSecret');
    assert.equal(mine.resourceId, GRAPH_API);
    assert.equal(mine.resourceDisplayName, 'Warden Graph API');
    assert.equal(mine.resourceTenantId, w.demo.tenants.contoso!.id);
    assert.equal(mine.isInteractive, false);
    assert.deepEqual(mine.status, { errorCode: 0, failureReason: null });
    assert.ok(!Number.isNaN(Date.parse(mine.createdDateTime)));
    for (const s of listed.body.value) assert.deepEqual(s.signInEventTypes, ['servicePrincipal']);
    assert.ok(
      listed.body.value.some((s: { status: { errorCode: number } }) => s.status.errorCode === 7000215),
      'failures are listed too',
    );

    const one = await callApi(w, 'GET', `/v1.0/auditLogs/signIns/${mine.id}`, { token });
    assert.equal(one.status, 200);
    assert.equal(one.body.correlationId, requestId);

    await graphToken(w, 'jane@contoso.example'); // a user sign-in of Contoso's
    const users = await callApi(w, 'GET', '/v1.0/auditLogs/signIns?$top=1000', { token });
    assert.equal(users.status, 200);
    assert.ok(users.body.value.length > 0);
    assert.ok(
      users.body.value.every((s: { signInEventTypes?: string[] }) => s.signInEventTypes === undefined),
      'the unfiltered listing holds the user sign-ins only',
    );
  });

  it('Graph API: the servicePrincipal filter joins other clauses with and, pages by nextLink, and refuses user-only filters', async () => {
    for (let i = 0; i < 3; i++)
      await clientCredentials(w, {
        clientId: automation.clientId,
        secret: 'wrong-again',
        requestId: randomUUID(),
      });
    await w.ctx.servicePrincipalSignIns.flush();
    const token = await graphAppToken(w);
    const filter = encodeURIComponent(
      `status/errorCode eq 7000215 and signInEventTypes/any(x: x eq 'servicePrincipal') and appId eq '${automation.clientId}'`,
    );
    const seen: string[] = [];
    let next: string | undefined = `/v1.0/auditLogs/signIns?$filter=${filter}&$top=2`;
    while (next) {
      const page = await callApi(w, 'GET', next, { token });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.value.length <= 2);
      for (const s of page.body.value) {
        assert.equal(s.status.errorCode, 7000215);
        seen.push(s.id);
      }
      next = page.body['@odata.nextLink']?.slice(w.baseUrl.length);
    }
    assert.ok(seen.length >= 4, 'every failure, over several pages');
    assert.equal(new Set(seen).size, seen.length, 'each row once');

    const userFilter = encodeURIComponent(
      "signInEventTypes/any(t: t eq 'servicePrincipal') and userPrincipalName eq 'jane@contoso.example'",
    );
    const refused = await callApi(w, 'GET', `/v1.0/auditLogs/signIns?$filter=${userFilter}`, { token });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'Request_UnsupportedQuery');
    const unknown = encodeURIComponent("signInEventTypes/any(t: t eq 'managedIdentity')");
    const unknownType = await callApi(w, 'GET', `/v1.0/auditLogs/signIns?$filter=${unknown}`, { token });
    assert.equal(unknownType.status, 400);
  });

  it('SPEC §11: rows are tenant-scoped: another tenant’s administrator sees its own, never Contoso’s', async () => {
    const requestId = randomUUID();
    // contoso-automation at Woodgrove's authority: unknown there (700016), a row of Woodgrove's log.
    const elsewhere = await clientCredentials(w, { ...automation, tenantKey: 'woodgrove', requestId });
    assert.equal(elsewhere.status, 401);
    await w.ctx.servicePrincipalSignIns.flush();
    const woodgroveAdmin = await mfaGraphToken(w, 'admin@woodgrove.example');
    const theirs = await callApi(w, 'GET', `/v1.0/auditLogs/signIns?${SP_FILTER}`, { token: woodgroveAdmin });
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
    assert.deepEqual(
      theirs.body.value.map((s: { correlationId: string; status: { errorCode: number } }) => [
        s.correlationId,
        s.status.errorCode,
      ]),
      [[requestId, 700016]],
      "Woodgrove sees its authority's row only",
    );
    const contosoApp = await graphAppToken(w);
    const ours = await callApi(w, 'GET', `/v1.0/auditLogs/signIns?${SP_FILTER}&$top=1000`, {
      token: contosoApp,
    });
    assert.ok(ours.body.value.length > 0);
    assert.ok(
      ours.body.value.every(
        (s: { correlationId: string; resourceTenantId: string }) =>
          s.correlationId !== requestId && s.resourceTenantId === w.demo.tenants.contoso!.id,
      ),
      "Contoso does not see Woodgrove's row",
    );
    const stranger = await callApi(w, 'GET', `/v1.0/auditLogs/signIns/${ours.body.value[0].id}`, {
      token: woodgroveAdmin,
    });
    assert.equal(stranger.status, 404);
  });

  it('Graph API: reading the service-principal sign-ins needs the sign-in log permission', async () => {
    const sam = await graphToken(w, 'sam@contoso.example');
    const response = await callApi(w, 'GET', `/v1.0/auditLogs/signIns?${SP_FILTER}`, { token: sam });
    assert.equal(response.status, 403);
  });
});

describe('Issue 12 item 5: the service-principal sign-in writer batches off the token path', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  const row = (
    tenantId: string,
    over: Partial<ServicePrincipalSignInTable> = {},
  ): ServicePrincipalSignInTable => ({
    tenant_id: tenantId,
    id: randomUUID(),
    created_at: w.clock.now(),
    app_id: 'writer-test',
    app_display_name: 'Writer test',
    service_principal_id: 'writer-test',
    ip_address: '192.0.2.1',
    resource_id: PARTNER_API,
    resource_display_name: 'Warden Partner API',
    client_credential_type: 'clientSecret',
    error_code: 0,
    failure_reason: null,
    correlation_id: randomUUID(),
    ...over,
  });
  const stored = async (ids: string[]) =>
    (
      await w.ctx.db
        .selectFrom('service_principal_sign_ins')
        .select('id')
        .where('id', 'in', ids.length ? ids : ['-'])
        .execute()
    ).map((r) => r.id);
  /** A pino logger whose lines the test reads. */
  function capturedLog() {
    const lines: { level: number; msg: string; dropped?: number }[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    return { log: pino({ level: 'warn' }, stream), lines };
  }

  it('Issue 12 item 5: rows wait in memory until the batch is full, then go in one write; close() drains the rest', async () => {
    const tenant = w.demo.tenants.contoso!.id;
    const { log } = capturedLog();
    const writer = new ServicePrincipalSignInWriter(w.ctx.db, log, { batchSize: 5, intervalMs: 3_600_000 });
    const rows = Array.from({ length: 7 }, () => row(tenant));
    for (const r of rows.slice(0, 4)) writer.record(r);
    assert.equal(writer.buffered, 4);
    assert.deepEqual(await stored(rows.map((r) => r.id)), [], 'nothing is written before the batch is full');
    writer.record(rows[4]!);
    writer.record(rows[5]!);
    writer.record(rows[6]!);
    await writer.flush();
    assert.equal((await stored(rows.map((r) => r.id))).length, 7);

    const late = [row(tenant), row(tenant)];
    for (const r of late) writer.record(r);
    assert.deepEqual(await stored(late.map((r) => r.id)), []);
    await writer.close();
    assert.equal(writer.buffered, 0);
    assert.equal((await stored(late.map((r) => r.id))).length, 2, 'shutdown drains the buffer');
  });

  it('Issue 12 item 5: the buffer is bounded: past its size the oldest rows are dropped and counted in the log', async () => {
    const tenant = w.demo.tenants.contoso!.id;
    const { log, lines } = capturedLog();
    const writer = new ServicePrincipalSignInWriter(w.ctx.db, log, {
      batchSize: 100,
      intervalMs: 3_600_000,
      maxBuffered: 3,
    });
    const rows = Array.from({ length: 5 }, () => row(tenant));
    for (const r of rows) writer.record(r);
    assert.equal(writer.buffered, 3);
    await writer.close();
    assert.deepEqual(
      (await stored(rows.map((r) => r.id))).sort(),
      rows
        .slice(2)
        .map((r) => r.id)
        .sort(),
      'the newest rows are kept',
    );
    assert.equal(lines.filter((l) => l.level === 50).length, 1, 'dropping is logged once');
    assert.equal(lines.find((l) => l.level === 40)?.dropped, 2, 'and the count once there is room again');
  });

  it('Issue 12 item 5: a failed write is logged, never thrown, and the writer goes on', async () => {
    const tenant = w.demo.tenants.contoso!.id;
    const { log, lines } = capturedLog();
    const writer = new ServicePrincipalSignInWriter(w.ctx.db, log, { intervalMs: 3_600_000 });
    const duplicate = row(tenant);
    writer.record(duplicate);
    await writer.flush();
    writer.record(duplicate); // the same primary key: the INSERT fails
    await writer.flush();
    assert.equal(lines.filter((l) => l.level === 50).length, 1);
    const next = row(tenant);
    writer.record(next);
    await writer.close();
    assert.deepEqual(await stored([next.id]), [next.id]);
  });

  it('Graceful shutdown: the rows of token requests still in memory are written when the server closes', async () => {
    const other = await startWarden();
    try {
      const client = other.demo.clients['contoso-automation']!;
      const ids = [randomUUID(), randomUUID()];
      for (const requestId of ids)
        await clientCredentials(other, {
          clientId: client.clientId,
          secret: client.clientSecret!,
          requestId,
        });
      await other.app.close();
      const rows = await rowsOf(other, 'contoso');
      assert.deepEqual(
        ids.filter((id) => rows.some((r) => r.correlation_id === id)),
        ids,
      );
    } finally {
      await other.stop();
    }
  });
});
