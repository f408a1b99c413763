import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RequestLog } from '../src/reports/request-log.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi, sign, userClaims, userToken } from './support/tokens.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('SPEC §11 B2: the Partner API request log', () => {
  let w: TestWarden;
  const tokens: Record<string, string> = {};
  before(async () => {
    w = await startWarden();
    tokens.jane = await userToken(w, 'jane@contoso.example');
    tokens.sam = await userToken(w, 'sam@contoso.example');
    tokens.john = await userToken(w, 'john@fabrikam.example');
    tokens.app = await appOnlyToken(w);
  });
  after(() => w.stop());

  const rowOf = async (correlationId: string) =>
    w.ctx.db.selectFrom('request_log').selectAll().where('correlation_id', '=', correlationId).execute();

  it('SPEC §11: each admitted request is one row: surface, operation, mfa_compliant, outcome, status and correlation id', async () => {
    const northwind = w.demo.customers['northwind.example']!;
    const calls: [string, string, string, Record<string, unknown>][] = [
      [
        'jane',
        'GET',
        '/v1/customers',
        {
          surface: 'api-app-user',
          operation: 'customers.list',
          mfa_compliant: 1,
          outcome: 'success',
          status_code: 200,
        },
      ],
      [
        'john',
        'GET',
        '/v1/customers',
        {
          surface: 'api-app-user',
          operation: 'customers.list',
          mfa_compliant: 0,
          outcome: 'unauthorized',
          status_code: 401,
        },
      ],
      [
        'sam',
        'GET',
        '/v1/invoices',
        {
          surface: 'api-app-user',
          operation: 'invoices.list',
          mfa_compliant: 1,
          outcome: 'forbidden',
          status_code: 403,
        },
      ],
      [
        'app',
        'GET',
        `/v1/customers/${northwind}/users`,
        {
          surface: 'api-app-only',
          operation: 'customerusers.list',
          mfa_compliant: 0,
          outcome: 'forbidden',
          status_code: 403,
        },
      ],
      [
        'app',
        'GET',
        '/v1/offers?country=US',
        {
          surface: 'api-app-only',
          operation: 'offers.list',
          mfa_compliant: 0,
          outcome: 'success',
          status_code: 200,
        },
      ],
      [
        'jane',
        'GET',
        '/v1/offers?country=ZZ',
        {
          surface: 'api-app-user',
          operation: 'offers.list',
          mfa_compliant: 1,
          outcome: 'bad_request',
          status_code: 400,
        },
      ],
    ];
    const seen: [string, Record<string, unknown>][] = [];
    for (const [who, method, path, expected] of calls) {
      const res = await callApi(w, method, path, { token: tokens[who] });
      assert.equal(res.status, expected.status_code, `${who} ${path}`);
      const correlationId = res.headers.get('ms-correlationid')!;
      assert.match(correlationId, GUID);
      seen.push([correlationId, { ...expected, who }]);
    }
    await w.ctx.requestLog.flush();
    for (const [correlationId, { who, ...expected }] of seen) {
      const rows = await rowOf(correlationId);
      assert.equal(rows.length, 1, `${who}: one row`);
      const row = rows[0]!;
      assert.deepEqual(
        {
          surface: row.surface,
          operation: row.operation,
          mfa_compliant: Number(row.mfa_compliant),
          outcome: row.outcome,
          status_code: Number(row.status_code),
        },
        expected,
        String(who),
      );
      if (who === 'app') {
        assert.equal(row.user_id, null);
        assert.equal(row.app_id, w.demo.clients['contoso-automation']!.clientId);
        assert.equal(row.tenant_id, w.demo.tenants.contoso!.id);
      } else {
        const upn = `${who}@${who === 'john' ? 'fabrikam' : 'contoso'}.example`;
        assert.equal(row.user_principal_name, upn);
        assert.equal(row.user_id, w.demo.users[upn]!.id);
        assert.equal(row.tenant_id, w.demo.users[upn]!.tenant);
        assert.equal(row.app_id, w.demo.clients['warden-cli']!.clientId);
      }
    }
  });

  it('Interop: a GUID MS-CorrelationId request header is kept and echoed; anything else is replaced by a fresh GUID', async () => {
    const supplied = randomUUID();
    const kept = await callApi(w, 'GET', '/v1/customers', {
      token: tokens.jane,
      headers: { 'MS-CorrelationId': supplied },
    });
    assert.equal(kept.headers.get('ms-correlationid'), supplied);
    const replaced = await callApi(w, 'GET', '/v1/customers', {
      token: tokens.jane,
      headers: { 'MS-CorrelationId': 'x"; DROP TABLE request_log; --' },
    });
    const fresh = replaced.headers.get('ms-correlationid')!;
    assert.match(fresh, GUID);
    await w.ctx.requestLog.flush();
    assert.equal((await rowOf(supplied)).length, 1);
    assert.equal((await rowOf(fresh)).length, 1);
  });

  it('Partner Center REST headers: MS-RequestId and MS-CorrelationId are echoed (made when absent or not GUIDs) and both are logged with the call', async () => {
    const requestId = randomUUID().toUpperCase();
    const correlationId = randomUUID();
    const sent = await callApi(w, 'GET', '/v1/invoices', {
      token: tokens.jane,
      headers: { 'MS-RequestId': requestId, 'MS-CorrelationId': correlationId },
    });
    assert.equal(sent.status, 200);
    assert.equal(sent.headers.get('ms-requestid'), requestId);
    assert.equal(sent.headers.get('ms-correlationid'), correlationId);
    const made = await callApi(w, 'GET', '/v1/invoices', {
      token: tokens.jane,
      headers: { 'MS-RequestId': 'not-a-guid' },
    });
    const madeRequestId = made.headers.get('ms-requestid')!;
    const madeCorrelationId = made.headers.get('ms-correlationid')!;
    assert.match(madeRequestId, GUID);
    assert.match(madeCorrelationId, GUID);
    assert.notEqual(madeRequestId, madeCorrelationId, 'two ids, each made for the call');
    // A refusal carries them too (Partner Center's error answers have both headers).
    const refused = await callApi(w, 'GET', '/v1/invoices', { headers: { 'MS-RequestId': requestId } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('ms-requestid'), requestId);
    await w.ctx.requestLog.flush();
    const [row] = await rowOf(correlationId);
    assert.equal(row?.request_id, requestId);
    assert.equal(row?.operation, 'invoices.list');
    const [madeRow] = await rowOf(madeCorrelationId);
    assert.equal(madeRow?.request_id, madeRequestId);
  });

  it('SPEC §11 B2: requests without a verified partner caller (no token, bad token, non-partner tenant) get a correlation id but no row', async () => {
    const missing = await callApi(w, 'GET', '/v1/customers');
    const invalid = await callApi(w, 'GET', '/v1/customers', { token: 'not-a-token' });
    const northwind = w.demo.tenants.northwind!.id;
    const customerTenant = await callApi(w, 'GET', '/v1/customers', {
      token: await sign(
        w,
        userClaims(w, 'jane@contoso.example', { tid: northwind, iss: w.issuer('northwind') }),
      ),
    });
    assert.deepEqual([missing.status, invalid.status, customerTenant.status], [401, 401, 403]);
    await w.ctx.requestLog.flush();
    for (const res of [missing, invalid, customerTenant]) {
      const id = res.headers.get('ms-correlationid')!;
      assert.match(id, GUID);
      assert.equal((await rowOf(id)).length, 0);
    }
  });

  it('Operations: RequestLog keeps rows in memory until a flush, a full batch or close()', async () => {
    const log = new RequestLog(w.ctx.db, w.ctx.log, { batchSize: 3, intervalMs: 3_600_000 });
    const correlationId = randomUUID();
    const record = () =>
      log.record({
        tenantId: w.demo.tenants.contoso!.id,
        surface: 'api-app-only',
        operation: 'offers.list',
        appId: 'contoso-automation',
        mfaCompliant: false,
        statusCode: 200,
        correlationId,
        occurredAt: w.clock.now(),
      });
    record();
    record();
    assert.equal((await rowOf(correlationId)).length, 0, 'nothing written before the batch is full');
    record(); // the third fills the batch
    await log.flush();
    assert.equal((await rowOf(correlationId)).length, 3);
    record();
    await log.close();
    assert.equal((await rowOf(correlationId)).length, 4, 'close() stores what is pending');
  });

  it('Operations: closing the server stores the request log rows still in memory', async () => {
    const res = await callApi(w, 'GET', '/v1/customers', { token: tokens.jane });
    assert.equal(res.status, 200);
    await w.app.close(); // the database stays open until w.stop()
    assert.equal((await rowOf(res.headers.get('ms-correlationid')!)).length, 1);
  });
});
