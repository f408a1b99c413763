import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import {
  enqueueDeliveries,
  LEASE_MS,
  listDeliveries,
  runWebhookDeliveries,
} from '../src/security-alerts/webhook-deliveries.ts';
import { registerWebhook } from '../src/security-alerts/webhook-registrations.ts';
import { verifyDelivery } from '../src/security-alerts/webhook-signature.ts';
import { type Resolver, webhookSender } from '../src/security-alerts/webhook-transport.ts';
import { addressKind, webhookUrlProblem } from '../src/security-alerts/webhook-url.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { makeTestCertificate } from './support/tls.ts';

/** A receiver whose answers the test gives, one request at a time. */
interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  answer(status: number): void;
}

function holdingReceiver(): { server: Server; requests: Received[]; next(): Promise<Received> } {
  const requests: Received[] = [];
  const waiting: ((r: Received) => void)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const r: Received = {
        headers: req.headers,
        body,
        answer: (status) => {
          res.statusCode = status;
          res.end('internal detail that must not be kept');
        },
      };
      requests.push(r);
      waiting.shift()?.(r);
    });
  });
  let seen = 0;
  return {
    server,
    requests,
    next: () =>
      new Promise<Received>((ok) => {
        const index = seen++;
        if (requests[index]) ok(requests[index]);
        else waiting.push(ok);
      }),
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return (server.address() as AddressInfo).port;
}

describe('SPEC §13: webhook deliveries are sent only to public receivers, once, and signed over their id', () => {
  let w: TestWarden;
  let contoso: string;
  let fabrikam: string;
  const loopbackSender = webhookSender({ allowLoopback: true });

  before(async () => {
    w = await startWarden({ env: { WARDEN_WEBHOOK_ALLOW_LOOPBACK: '1' } });
    contoso = w.demo.tenants.contoso!.id;
    fabrikam = w.demo.tenants.fabrikam!.id;
  });
  after(async () => {
    await w.stop();
  });
  beforeEach(async () => {
    await w.ctx.db.deleteFrom('fraud_webhook_deliveries').execute();
    await w.ctx.db.deleteFrom('fraud_webhook_registrations').execute();
  });

  async function hook(partner: string, url: string) {
    return registerWebhook(
      w.ctx.db,
      w.ctx.secrets,
      true,
      partner,
      url,
      ['azure-fraud-event-detected'],
      w.clock.now(),
    );
  }
  async function queue(partner: string): Promise<void> {
    const event = {
      id: randomUUID(),
      partnerTenantId: partner,
      subscriptionId: randomUUID(),
      status: 'Active',
    };
    await enqueueDeliveries(w.ctx.db, w.ctx.config.baseUrl, event, w.clock.now());
  }

  it('webhook URLs: loopback, unspecified, private, link-local, CGNAT, multicast and reserved hosts are refused in every spelling, IPv4-mapped included', () => {
    const loopback = [
      'https://[::ffff:127.0.0.1]/',
      'https://[::1]/',
      'https://127.1.2.3/',
      'https://2130706433/',
      'https://0x7f.0.0.1/',
      'https://localhost./',
      'https://LOCALHOST/',
      'https://hooks.localhost/',
      'https://hooks.localhost./',
    ];
    const internal = [
      'https://0.0.0.0:8443/',
      'https://0.1.2.3/',
      'https://[::]/',
      'https://10.0.0.1/',
      'https://172.16.5.4/',
      'https://192.168.1.1/',
      'https://169.254.169.254/',
      'https://[::ffff:169.254.169.254]/',
      'https://[::ffff:10.0.0.1]/',
      'https://[fe80::1]/',
      'https://[fd12:3456::1]/',
      'https://100.64.0.1/',
      'https://224.0.0.251/',
      'https://[ff02::1]/',
      'https://240.0.0.1/',
      'https://255.255.255.255/',
      'https://[64:ff9b::a9fe:a9fe]/',
      'https://[2002:a9fe:a9fe::1]/',
      'https://[2002:7f00:1::]/',
    ];
    for (const url of loopback) {
      assert.match(webhookUrlProblem(url, false) ?? '', /loopback/, url);
      assert.equal(webhookUrlProblem(url, true), undefined, `${url} with WARDEN_WEBHOOK_ALLOW_LOOPBACK`);
    }
    for (const url of internal) {
      assert.match(webhookUrlProblem(url, false) ?? '', /private, link-local or reserved/, url);
      assert.match(
        webhookUrlProblem(url, true) ?? '',
        /private, link-local or reserved/,
        `${url} (allowed loopback)`,
      );
    }
    for (const url of ['https://hooks.example/fraud', 'https://93.184.216.34/', 'https://[2606:4700::1111]/'])
      assert.equal(webhookUrlProblem(url, false), undefined, url);
    assert.match(webhookUrlProblem('http://hooks.example/', true) ?? '', /https/);
    assert.equal(addressKind('not an address'), 'internal', 'fails closed');
  });

  it('webhook URLs: the Partner API refuses a private address even when loopback receivers are allowed (webhook_url_refused)', async () => {
    await assert.rejects(hook(contoso, 'https://10.0.0.1/hook'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'url_refused');
      return true;
    });
  });

  it('at send time: a name resolving to any non-public address is refused without connecting; loopback only with the allowance', async () => {
    const { server, requests } = holdingReceiver();
    const port = await listen(server);
    try {
      const table: Record<string, string[]> = {
        'mixed.example': ['93.184.216.34', '10.0.0.5'],
        'metadata.example': ['169.254.169.254'],
        'mapped.example': ['::ffff:7f00:1'],
        'here.example': ['127.0.0.1'],
      };
      const resolve: Resolver = async (host) =>
        (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      const strict = webhookSender({ allowLoopback: false, resolve });
      const lenient = webhookSender({ allowLoopback: true, resolve });
      for (const host of ['mixed.example', 'metadata.example', 'mapped.example', 'here.example'])
        assert.deepEqual(
          await strict(`https://${host}:${port}/`, {}, '{}'),
          { error: 'the host resolves to a non-public address' },
          host,
        );
      assert.deepEqual(await lenient(`https://mixed.example:${port}/`, {}, '{}'), {
        error: 'the host resolves to a non-public address',
      });
      assert.deepEqual(await strict(`https://unknown.example:${port}/`, {}, '{}'), {
        error: 'the host name did not resolve',
      });
      // A URL registered while loopback was allowed is not sent to once the allowance is withdrawn.
      assert.deepEqual(await strict(`http://127.0.0.1:${port}/`, {}, '{}'), {
        error: 'the URL is no longer allowed',
        final: true,
      });
      assert.equal(requests.length, 0, 'nothing reached the receiver');
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });

  it('RFC 6761 §6.3: a localhost name is this machine, never asked of DNS (which could answer a public address for it)', async () => {
    const hosts: string[] = [];
    const server = createServer((req, res) => {
      hosts.push(String(req.headers.host));
      res.writeHead(204).end();
    });
    const port = await listen(server);
    let lookups = 0;
    const resolve: Resolver = async () => {
      lookups++;
      return [{ address: '93.184.216.34', family: 4 }];
    };
    try {
      const outcome = await webhookSender({ allowLoopback: true, resolve })(
        `http://hooks.localhost:${port}/`,
        {},
        '{}',
      );
      assert.deepEqual(outcome, { status: 204 });
      assert.equal(lookups, 0, 'not resolved');
      assert.deepEqual(hosts, [`hooks.localhost:${port}`]);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });

  it('at send time: the connection goes to the address that was checked (no second lookup to rebind), with the name as TLS server name', async () => {
    const cert = makeTestCertificate();
    const names: string[] = [];
    const tls = createTlsServer({
      key: readFileSync(cert.keyPath),
      cert: readFileSync(cert.certPath),
      SNICallback: (name, done) => {
        names.push(name);
        done(null, undefined);
      },
    });
    tls.on('tlsClientError', () => {});
    await new Promise<void>((ok) => tls.listen(0, '127.0.0.1', ok));
    const port = (tls.address() as AddressInfo).port;
    let lookups = 0;
    // The first answer is checked; any later one would point at the cloud metadata address.
    const resolve: Resolver = async () => [
      { address: lookups++ === 0 ? '127.0.0.1' : '169.254.169.254', family: 4 },
    ];
    try {
      const outcome = await webhookSender({ allowLoopback: true, resolve })(
        `https://rebind.example:${port}/hook`,
        {},
        '{}',
      );
      assert.equal(lookups, 1, 'resolved once');
      assert.deepEqual(names, ['rebind.example'], 'reached the checked address, naming the URL host');
      // The test certificate is not for rebind.example: the attempt fails, and says only that.
      assert.deepEqual(outcome, { error: 'no answer (connection failed)' });
    } finally {
      await new Promise((ok) => tls.close(ok));
    }
  });

  it('leases: a slow receiver and a second run overlapping it, the clock moving between claims — each delivery is sent once and its result kept; timestamps are the clock at sending', {
    timeout: 15_000,
  }, async () => {
    const receiver = holdingReceiver();
    const port = await listen(receiver.server);
    try {
      const registration = await hook(contoso, `http://127.0.0.1:${port}/hook`);
      await queue(contoso);
      await queue(contoso);
      const firstRun = runWebhookDeliveries(w.ctx.db, w.ctx.secrets, w.clock, loopbackSender);
      const first = await receiver.next();
      const startedAt = w.clock.now();
      // The first receiver takes longer than a lease on Warden's clock before it answers.
      w.clock.advance(LEASE_MS + 5_000);
      first.answer(204);
      const second = await receiver.next();
      const secondSentAt = w.clock.now();
      // Another run starts while the first is still waiting on its second delivery.
      assert.equal(
        await runWebhookDeliveries(w.ctx.db, w.ctx.secrets, w.clock, loopbackSender),
        0,
        'the second delivery is held by its claim, made when it was sent',
      );
      second.answer(204);
      assert.equal(await firstRun, 2);
      assert.equal(receiver.requests.length, 2, 'sent once each');
      const deliveries = await listDeliveries(w.ctx.db, contoso);
      assert.deepEqual(
        deliveries.map((d) => [d.state, d.attempts, d.lastStatus]),
        [
          ['delivered', 1, 204],
          ['delivered', 1, 204],
        ],
      );
      const stamp = (r: Received) => Number(r.headers['x-warden-timestamp']);
      assert.equal(stamp(first), Math.floor(startedAt / 1000));
      assert.ok(
        stamp(second) >= Math.floor(secondSentAt / 1000) - 1,
        'the second is stamped when it was sent',
      );
      assert.ok(stamp(second) - stamp(first) >= LEASE_MS / 1000);

      // The signature covers the delivery id: a receiver dedupes on it, and it cannot be swapped.
      const headers = {
        signature: second.headers['x-warden-signature'] as string,
        timestamp: second.headers['x-warden-timestamp'] as string,
        deliveryId: second.headers['x-warden-delivery'] as string,
      };
      const nowS = stamp(second);
      assert.ok(deliveries.some((d) => d.id === headers.deliveryId));
      assert.ok(verifyDelivery(registration.secret, headers, second.body, nowS));
      assert.ok(
        !verifyDelivery(
          registration.secret,
          { ...headers, deliveryId: first.headers['x-warden-delivery'] as string },
          second.body,
          nowS,
        ),
        'another delivery id does not verify',
      );
    } finally {
      await new Promise((ok) => receiver.server.close(ok));
    }
  });

  it('bounded concurrency: one partner’s receiver that does not answer does not hold another partner’s delivery', {
    timeout: 15_000,
  }, async () => {
    const slow = holdingReceiver();
    const quick = holdingReceiver();
    const slowPort = await listen(slow.server);
    const quickPort = await listen(quick.server);
    try {
      await hook(contoso, `http://127.0.0.1:${slowPort}/hook`);
      await queue(contoso);
      await hook(fabrikam, `http://127.0.0.1:${quickPort}/hook`);
      await queue(fabrikam);
      const run = runWebhookDeliveries(w.ctx.db, w.ctx.secrets, w.clock, loopbackSender);
      const held = await slow.next();
      const other = await quick.next();
      other.answer(200);
      // Fabrikam's result is kept while Contoso's receiver is still silent.
      for (let i = 0; i < 50 && (await listDeliveries(w.ctx.db, fabrikam))[0]?.state !== 'delivered'; i++)
        await new Promise((ok) => setImmediate(ok));
      assert.equal((await listDeliveries(w.ctx.db, fabrikam))[0]?.state, 'delivered');
      assert.equal(slow.requests.length, 1);
      held.answer(503);
      assert.equal(await run, 2);
      const retried = (await listDeliveries(w.ctx.db, contoso))[0]!;
      assert.deepEqual([retried.state, retried.lastStatus, retried.lastError], ['pending', 503, 'HTTP 503']);
    } finally {
      await new Promise((ok) => slow.server.close(ok));
      await new Promise((ok) => quick.server.close(ok));
    }
  });

  it('one delivery whose secret cannot be opened is failed with a generic error; the others of the run are still sent', {
    timeout: 15_000,
  }, async () => {
    const receiver = holdingReceiver();
    const port = await listen(receiver.server);
    try {
      const broken = await hook(contoso, `http://127.0.0.1:${port}/broken`);
      await hook(fabrikam, `http://127.0.0.1:${port}/fine`);
      await w.ctx.db
        .updateTable('fraud_webhook_registrations')
        .set({ secret_sealed: 'v1.damaged' })
        .where('partner_tenant_id', '=', contoso)
        .where('id', '=', broken.id)
        .execute();
      await queue(contoso);
      await queue(fabrikam);
      const run = runWebhookDeliveries(w.ctx.db, w.ctx.secrets, w.clock, loopbackSender);
      (await receiver.next()).answer(204);
      assert.equal(await run, 2);
      assert.equal(receiver.requests.length, 1);
      const failed = (await listDeliveries(w.ctx.db, contoso))[0]!;
      assert.deepEqual([failed.state, failed.lastError], ['failed', 'the signing secret could not be read']);
      assert.equal((await listDeliveries(w.ctx.db, fabrikam))[0]!.state, 'delivered');
    } finally {
      await new Promise((ok) => receiver.server.close(ok));
    }
  });
});
