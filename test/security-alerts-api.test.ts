import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  changeFraudEventStatus,
  FraudEventError,
  listFraudEvents,
} from '../src/security-alerts/fraud-events.ts';
import { alertResponse } from '../src/security-alerts/response-times.ts';
import type { StatusChange } from '../src/security-alerts/status-transitions.ts';
import { runWebhookDeliveries } from '../src/security-alerts/webhook-deliveries.ts';
import { verifyDelivery } from '../src/security-alerts/webhook-signature.ts';
import { webhookSender } from '../src/security-alerts/webhook-transport.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi, sign, userClaims } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const HOUR = 3_600_000;

describe('SPEC §13, reference §5: fraud events through Partner Center REST, raised by the operator, with signed webhooks', () => {
  let w: TestWarden;
  let operatorUpn: string;
  let partnerUpn: string;
  let fabrikamUpn: string;
  let contosoId: string;
  let subscriptionId: string;
  let otherSubscriptionId: string;
  let fabrikamSubscriptionId: string;
  const token = (upn: string) => sign(w, userClaims(w, upn));
  const NEW = { 'x-neweventsmodel': 'true' };

  async function subscriptionsOf(partnerUpn_: string, domain: string): Promise<string[]> {
    const customer = w.demo.customers[domain]!;
    const list = await callApi(w, 'GET', `/v1/customers/${customer}/subscriptions`, {
      token: await token(partnerUpn_),
    });
    return list.body.items.map((i: { id: string }) => i.id);
  }

  async function raise(partnerTenantId: string, subscription: string, extra: Record<string, unknown> = {}) {
    const now = new Date(w.clock.now()).toISOString();
    return callApi(w, 'POST', '/v1/program/fraudEvents', {
      token: await token(operatorUpn),
      body: {
        partnerTenantId,
        subscriptionId: subscription,
        eventType: 'NetworkConnectionsToCryptoMiningPools',
        severity: 'High',
        confidenceLevel: 'Medium',
        displayName: 'Network connections to crypto mining pools',
        description: 'A virtual machine connected to a known mining pool.',
        entityName: 'vm-build-01',
        serviceName: 'Compute',
        resourceGroupName: 'rg-build',
        country: 'US',
        hitCount: 3,
        firstObserved: now,
        lastObserved: now,
        additionalDetails: { vM_IP: '10.0.0.4', miningPool_IP: '192.0.2.10' },
        affectedResources: [
          { azureResourceId: '/subscriptions/x/vm-build-01', type: 'Microsoft.Compute/virtualMachines' },
        ],
        ...extra,
      },
    });
  }

  before(async () => {
    w = await startWarden({ env: { WARDEN_WEBHOOK_ALLOW_LOOPBACK: '1' } });
    operatorUpn = (await makeUser(w, { tenant: 'operator', name: 'op', roles: ['Global Administrator'] }))
      .upn;
    partnerUpn = (await makeUser(w, { tenant: 'contoso', name: 'agent', groups: ['AdminAgents'] })).upn;
    fabrikamUpn = (await makeUser(w, { tenant: 'fabrikam', name: 'agent', groups: ['AdminAgents'] })).upn;
    contosoId = w.demo.tenants.contoso!.id;
    [subscriptionId, otherSubscriptionId] = (await subscriptionsOf(partnerUpn, 'northwind.example')) as [
      string,
      string,
    ];
    [fabrikamSubscriptionId] = (await subscriptionsOf(fabrikamUpn, 'tailspin.example')) as [string];
  });
  after(() => w.stop());

  it('the demo partner has an active, an investigated and a resolved alert (src/demo/alerts-demo-data.ts)', async () => {
    const res = await callApi(w, 'GET', '/v1/fraudEvents', { token: await token(partnerUpn), headers: NEW });
    assert.equal(res.status, 200);
    const statuses = res.body.map(
      (e: { eventStatus: string; resolvedReason: string }) => `${e.eventStatus}:${e.resolvedReason}`,
    );
    assert.deepEqual(statuses.sort(), ['Active:None', 'Investigating:None', 'Resolved:Ignore']);
  });

  it('SPEC E1/E2: Admin agents only (a Helpdesk agent is 403 role_required), App+User only, the program route for the operator’s Global or Security admins', async () => {
    const helpdesk = (await makeUser(w, { tenant: 'contoso', name: 'helpdesk', groups: ['HelpdeskAgents'] }))
      .upn;
    const asHelpdesk = await callApi(w, 'GET', '/v1/fraudEvents', { token: await token(helpdesk) });
    assert.equal(asHelpdesk.status, 403);
    assert.equal(asHelpdesk.body.wardenCode, 'role_required');
    const appOnly = await callApi(w, 'GET', '/v1/fraudEvents', { token: await appOnlyToken(w) });
    assert.equal(appOnly.status, 403);
    assert.equal(appOnly.body.wardenCode, 'app_only_not_allowed');
    const operatorUser = (await makeUser(w, { tenant: 'operator', name: 'plain' })).upn;
    const plain = await callApi(w, 'POST', '/v1/program/fraudEvents', {
      token: await token(operatorUser),
      body: {},
    });
    assert.equal(plain.status, 403);
    assert.equal(plain.body.wardenCode, 'role_required');
    const noMfa = await callApi(w, 'GET', '/v1/fraudEvents', {
      token: await sign(w, userClaims(w, partnerUpn, { amr: ['pwd'] })),
    });
    assert.equal(noMfa.status, 401);
    assert.equal(noMfa.body.wardenCode, 'mfa_required');
  });

  it('the operator raises an event (201, the new model shape); a partner token on the program route is 403 operator_only', async () => {
    const res = await raise(contosoId, subscriptionId);
    assert.equal(res.status, 201);
    assert.match(res.body.eventId, new RegExp(`^${subscriptionId}_[0-9a-f-]{36}$`));
    assert.equal(res.body.eventStatus, 'Active');
    assert.equal(res.body.eventType, 'NetworkConnectionsToCryptoMiningPools');
    assert.equal(res.body.customerFriendlyName, 'Northwind Traders');
    assert.equal(res.body.IsTest, 'false');
    const refused = await callApi(w, 'POST', '/v1/program/fraudEvents', {
      token: await token(partnerUpn),
      body: {},
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.wardenCode, 'operator_only');
    const otherPartners = await raise(contosoId, fabrikamSubscriptionId);
    assert.equal(otherPartners.status, 404, "a subscription of another partner's customer");
    assert.equal(otherPartners.body.wardenCode, 'subscription_not_found');
    const badType = await raise(contosoId, subscriptionId, { eventType: 'Nonsense' });
    assert.equal(badType.status, 400);
    assert.equal(badType.body.wardenCode, 'invalid_request');
  });

  it('GET /v1/fraudEvents: a bare array; open events carry the legacy sentinels; the new model adds its fields and activityLogs as a JSON string', async () => {
    const t = await token(partnerUpn);
    const legacy = await callApi(w, 'GET', `/v1/fraudEvents?SubscriptionId=${subscriptionId}`, { token: t });
    assert.equal(legacy.status, 200);
    assert.ok(Array.isArray(legacy.body));
    const e = legacy.body[0];
    assert.equal(e.resolvedReason, 'None');
    assert.equal(e.resolvedOn, '9999-12-31T23:59:59.997');
    assert.equal(e.resolvedBy, '');
    assert.equal(e.hitCount, '3');
    const offer = await w.ctx.db
      .selectFrom('subscriptions')
      .select('offer_id')
      .where('id', '=', subscriptionId)
      .executeTakeFirstOrThrow();
    assert.equal(e.catalogOfferId, offer.offer_id);
    assert.equal(e.eventType, undefined, 'no new-model fields without the header');
    const modern = await callApi(w, 'GET', `/v1/fraudEvents?SubscriptionId=${subscriptionId}`, {
      token: t,
      headers: NEW,
    });
    const m = modern.body[0];
    assert.equal(m.severity, 'High');
    assert.equal(typeof m.activityLogs, 'string');
    assert.deepEqual(
      JSON.parse(m.activityLogs).map((l: { statusTo: string }) => l.statusTo),
      ['Active'],
    );
    assert.deepEqual(m.additionalDetails, { vM_IP: '10.0.0.4', miningPool_IP: '192.0.2.10' });
    // Another partner sees none of contoso's events.
    const theirs = await callApi(w, 'GET', `/v1/fraudEvents?SubscriptionId=${subscriptionId}`, {
      token: await token(fabrikamUpn),
    });
    assert.deepEqual(theirs.body, []);
    const bad = await callApi(w, 'GET', '/v1/fraudEvents?EventStatus=Closed', { token: t });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.wardenCode, 'invalid_request');
  });

  it('new model: EventType filters, PageSize and PageNumber page only when both are positive', async () => {
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await raise(contosoId, otherSubscriptionId, { eventType: 'UsageAnomalyDetection' })).status,
        201,
      );
    const t = await token(partnerUpn);
    const q = `/v1/fraudEvents?SubscriptionId=${otherSubscriptionId}&EventType=UsageAnomalyDetection`;
    const all = await callApi(w, 'GET', q, { token: t, headers: NEW });
    assert.equal(all.body.length, 3);
    const page2 = await callApi(w, 'GET', `${q}&PageSize=2&PageNumber=2`, { token: t, headers: NEW });
    assert.equal(page2.body.length, 1);
    assert.equal(page2.body[0].eventId, all.body[2].eventId);
    const notPaged = await callApi(w, 'GET', `${q}&PageSize=2&PageNumber=0`, { token: t, headers: NEW });
    assert.equal(notPaged.body.length, 3);
    const other = await callApi(
      w,
      'GET',
      `/v1/fraudEvents?SubscriptionId=${otherSubscriptionId}&EventType=ServiceHealthSecurityAdvisory`,
      {
        token: t,
        headers: NEW,
      },
    );
    assert.deepEqual(other.body, []);
  });

  it('POST …/status: resolves as Fraud with resolvedOn and resolvedBy, logs the change; empty EventIds is every event of the subscription', async () => {
    const t = await token(partnerUpn);
    const events = (await callApi(w, 'GET', `/v1/fraudEvents?SubscriptionId=${subscriptionId}`, { token: t }))
      .body;
    const path = `/v1/fraudEvents/subscription/${subscriptionId}/status`;
    const noReason = await callApi(w, 'POST', path, {
      token: t,
      body: { EventIds: [events[0].eventId], EventStatus: 'Resolved' },
    });
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.wardenCode, 'invalid_request');
    const badReason = await callApi(w, 'POST', path, {
      token: t,
      body: { EventIds: [events[0].eventId], EventStatus: 'Resolved', ResolvedReason: 'Maybe' },
    });
    assert.equal(badReason.status, 400);
    const unknown = await callApi(w, 'POST', path, {
      token: t,
      body: { EventIds: [`${subscriptionId}_${randomUUID()}`], EventStatus: 'Investigating' },
    });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.wardenCode, 'fraud_event_not_found');
    const investigating = await callApi(w, 'POST', path, {
      token: t,
      headers: NEW,
      body: { EventIds: [events[0].eventId], EventStatus: 'Investigating' },
    });
    assert.equal(investigating.status, 200);
    assert.equal(investigating.body[0].eventStatus, 'Investigating');
    const resolved = await callApi(w, 'POST', path, {
      token: t,
      headers: NEW,
      body: { EventIds: [], EventStatus: 'Resolved', ResolvedReason: 'Fraud' },
    });
    assert.equal(resolved.status, 200);
    assert.equal(resolved.body.length, events.length);
    for (const e of resolved.body) {
      assert.equal(e.eventStatus, 'Resolved');
      assert.equal(e.resolvedReason, 'Fraud');
      assert.equal(e.resolvedBy, partnerUpn);
      assert.notEqual(e.resolvedOn, '9999-12-31T23:59:59.997');
    }
    const first = resolved.body.find((e: { eventId: string }) => e.eventId === events[0].eventId);
    assert.deepEqual(
      JSON.parse(first.activityLogs).map((l: { statusFrom: string | null; statusTo: string }) => [
        l.statusFrom,
        l.statusTo,
      ]),
      [
        [null, 'Active'],
        ['Active', 'Investigating'],
        ['Investigating', 'Resolved'],
      ],
    );
    // Another partner's subscription: 404, never a 403 that would tell it exists.
    const foreign = await callApi(
      w,
      'POST',
      `/v1/fraudEvents/subscription/${fabrikamSubscriptionId}/status`,
      {
        token: t,
        body: { EventIds: [], EventStatus: 'Investigating' },
      },
    );
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.wardenCode, 'subscription_not_found');
  });

  it('two status changes of one event at once: each that succeeds is in the activity log, none is lost (conditional updates)', async () => {
    const event = (await raise(contosoId, otherSubscriptionId)).body;
    const change = async (status: StatusChange) => {
      try {
        await changeFraudEventStatus(
          w.ctx.db,
          contosoId,
          otherSubscriptionId,
          [event.eventId],
          status,
          partnerUpn,
          w.clock.now(),
        );
        return 'ok';
      } catch (error) {
        assert.ok(error instanceof FraudEventError && error.code === 'changed_concurrently', String(error));
        return 'refused';
      }
    };
    const outcomes = await Promise.all([
      change({ status: 'Investigating' }),
      change({ status: 'Resolved', reason: 'Fraud' }),
      change({ status: 'Resolved', reason: 'Ignore' }),
    ]);
    const after = (await listFraudEvents(w.ctx.db, contosoId, {})).find((e) => e.id === event.eventId)!;
    const succeeded = outcomes.filter((o) => o === 'ok').length;
    assert.ok(succeeded >= 1);
    assert.equal(
      after.activityLogs.length,
      1 + succeeded,
      JSON.stringify({ outcomes, logs: after.activityLogs }),
    );
    assert.equal(after.version, 1 + succeeded);
  });

  it('requirement securityAlertsPromptlyResolved: alertResponse counts alerts of the last 30 days, resolved within 24 h, open past due, mean hours', async () => {
    // Out of the window of any event raised so far (and of the demo's).
    w.clock.advance(31 * 24 * HOUR);
    const fabrikamId = w.demo.tenants.fabrikam!.id;
    const empty = await alertResponse(w.ctx.db, fabrikamId, w.clock.now());
    assert.deepEqual(empty, { total: 0, resolvedWithin24h: 0, openPastDue: 0, meanResolutionHours: null });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await raise(fabrikamId, fabrikamSubscriptionId)).body.eventId);
    const fabrikamToken = () => token(fabrikamUpn);
    const path = `/v1/fraudEvents/subscription/${fabrikamSubscriptionId}/status`;
    w.clock.advance(2 * HOUR);
    await callApi(w, 'POST', path, {
      token: await fabrikamToken(),
      body: { EventIds: [ids[0]], EventStatus: 'Resolved', ResolvedReason: 'Ignore' },
    });
    w.clock.advance(28 * HOUR); // 30 h after detection
    await callApi(w, 'POST', path, {
      token: await fabrikamToken(),
      body: { EventIds: [ids[1]], EventStatus: 'Resolved', ResolvedReason: 'Fraud' },
    });
    const r = await alertResponse(w.ctx.db, fabrikamId, w.clock.now());
    assert.equal(r.total, 3);
    assert.equal(r.resolvedWithin24h, 1);
    assert.equal(r.openPastDue, 1);
    assert.ok(
      r.meanResolutionHours !== null && Math.abs(r.meanResolutionHours - 16) < 0.01,
      String(r.meanResolutionHours),
    );
    w.clock.advance(30 * 24 * HOUR);
    assert.equal((await alertResponse(w.ctx.db, fabrikamId, w.clock.now())).total, 0, 'older than 30 days');
  });

  it('webhooks: https only (loopback when allowed), no credentials; a receiver failing twice gets three attempts with backoff, signed', async () => {
    const t = await token(partnerUpn);
    const register = (WebhookUrl: string) =>
      callApi(w, 'POST', '/v1/webhooks/registration', {
        token: t,
        body: { WebhookUrl, WebhookEvents: ['azure-fraud-event-detected'] },
      });
    for (const url of [
      'http://hooks.example/fraud',
      'https://user:pw@hooks.example/fraud',
      'ftp://hooks.example/x',
      'not a url',
    ]) {
      const res = await register(url);
      assert.equal(res.status, 400, url);
      assert.equal(res.body.wardenCode, 'webhook_url_refused', url);
    }
    const received: { headers: IncomingMessage['headers']; body: string }[] = [];
    let failures = 2;
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = failures-- > 0 ? 503 : 204;
        res.end();
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/fraud`;
      const created = await register(url);
      assert.equal(created.status, 201);
      assert.equal(created.body.WebhookUrl, url);
      const secret: string = created.body.SigningSecret;
      assert.ok(secret.length >= 40);
      const listed = await callApi(w, 'GET', '/v1/webhooks/registration', { token: t });
      assert.equal(listed.body[0].SigningSecret, undefined, 'the secret is shown once');
      assert.equal((await register(url)).body.wardenCode, 'conflict');

      const event = (await raise(contosoId, subscriptionId)).body;
      const run = () =>
        runWebhookDeliveries(w.ctx.db, w.ctx.secrets, w.clock, webhookSender({ allowLoopback: true }));
      assert.equal(await run(), 1);
      assert.equal(await run(), 0, 'not due again before the backoff');
      w.clock.advance(60_000);
      assert.equal(await run(), 1);
      w.clock.advance(60_000);
      assert.equal(await run(), 0, 'the second wait is twice the first');
      w.clock.advance(60_000);
      assert.equal(await run(), 1);
      assert.equal(received.length, 3);
      const deliveries = await callApi(w, 'GET', '/v1/webhooks/deliveries', { token: t });
      assert.equal(deliveries.body[0].state, 'delivered');
      assert.equal(deliveries.body[0].attempts, 3);
      assert.equal(deliveries.body[0].lastStatusCode, 204);
      assert.equal(deliveries.body[0].eventId, event.eventId);

      // Two instances running the job at once send a delivery once (the lease is claimed conditionally).
      await raise(contosoId, subscriptionId);
      failures = 0;
      const [x, y] = await Promise.all([run(), run()]);
      assert.equal(x! + y!, 1);
      assert.equal(received.length, 4);

      const last = received[2]!;
      const payload = JSON.parse(last.body);
      assert.equal(payload.EventName, 'azure-fraud-event-detected');
      assert.equal(
        payload.ResourceUri,
        `${w.baseUrl}/v1/fraudEvents?SubscriptionId=${subscriptionId}&EventStatus=Active`,
      );
      assert.equal(payload.AuditUri, null);
      const headers = {
        signature: last.headers['x-warden-signature'] as string,
        timestamp: last.headers['x-warden-timestamp'] as string,
        deliveryId: last.headers['x-warden-delivery'] as string,
      };
      const nowS = Math.floor(w.clock.now() / 1000);
      assert.ok(verifyDelivery(secret, headers, last.body, nowS), 'the signature verifies');
      assert.ok(
        !verifyDelivery(secret, headers, last.body.replace('Active', 'Resolved'), nowS),
        'a changed body does not',
      );
      assert.ok(!verifyDelivery('another-secret', headers, last.body, nowS));
      assert.ok(
        !verifyDelivery(secret, headers, last.body, nowS + 3600),
        'an old timestamp (a replay) does not',
      );
    } finally {
      await new Promise((ok) => receiver.close(ok));
    }
  });
  it('webhooks: a delivery that never succeeds is failed after 6 attempts, 1, 2, 4, 8 and 16 minutes apart; delivery state shows why', async () => {
    const event = (await raise(contosoId, subscriptionId)).body;
    const times: number[] = [];
    const failing = async () => {
      times.push(w.clock.now());
      return { status: 500 };
    };
    const pending = async () =>
      (await callApi(w, 'GET', '/v1/webhooks/deliveries', { token: await token(partnerUpn) })).body.find(
        (d: { eventId: string }) => d.eventId === event.eventId,
      );
    for (let i = 0; i < 6; i++) {
      assert.equal(
        await runWebhookDeliveries(w.ctx.db, w.ctx.secrets, w.clock, failing),
        1,
        `attempt ${i + 1}`,
      );
      if (i < 5) w.clock.advance(2 ** i * 60_000);
    }
    const gaps = times.slice(1).map((t, i) => Math.round((t - times[i]!) / 60_000));
    assert.deepEqual(gaps, [1, 2, 4, 8, 16]);
    const d = await pending();
    assert.equal(d.state, 'failed');
    assert.equal(d.attempts, 6);
    assert.equal(d.lastStatusCode, 500);
    assert.equal(d.lastError, 'HTTP 500');
    w.clock.advance(3_600_000);
    assert.equal(await runWebhookDeliveries(w.ctx.db, w.ctx.secrets, w.clock, failing), 0, 'never again');
  });
});
