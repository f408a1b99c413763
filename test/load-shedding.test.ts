import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startConfiguredWarden } from './support/configured-warden.ts';
import { RawConnection } from './support/raw-http.ts';
import { appOnlyToken, callApi } from './support/tokens.ts';

const LIMIT = 2;

/** Headers of a form post whose body follows later; `Expect: 100-continue` tells when the server took it up. */
function formPostHead(path: string, body: string): string {
  return [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Type: application/x-www-form-urlencoded',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Expect: 100-continue',
    '',
    '',
  ].join('\r\n');
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

describe('Operations: load shedding', { timeout: 120_000 }, () => {
  let w: Awaited<ReturnType<typeof startConfiguredWarden>>;
  before(async () => {
    w = await startConfiguredWarden({ WARDEN_MAX_CONCURRENT_REQUESTS: String(LIMIT) });
  });
  after(async () => {
    await w?.stop();
  });

  test(`Operations: with WARDEN_MAX_CONCURRENT_REQUESTS=${LIMIT} requests in flight, the next ones are answered 503 with Retry-After at once, in each surface's shape; /healthz still answers; the requests in flight complete`, async () => {
    const port = Number(new URL(w.baseUrl).port);
    const contoso = w.demo.tenants.contoso!.id;
    // Two requests in flight, each waiting for its body: one at an authority endpoint (it
    // bypasses Fastify), one at a sign-in page.
    const tokenBody = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'contoso-automation',
      client_secret: w.demo.clients['contoso-automation']!.clientSecret!,
      scope: 'urn:warden:partner-api/.default',
    }).toString();
    const authority = await RawConnection.open(port);
    const page = await RawConnection.open(port);
    try {
      authority.write(formPostHead(`/${contoso}/oauth2/v2.0/token`, tokenBody));
      page.write(formPostHead(`/${contoso}/login/no-such-interaction`, 'password=x'));
      assert.equal((await authority.readResponse()).status, 100);
      assert.equal((await page.readResponse()).status, 100);

      const partner = await timed(() => callApi(w, 'GET', '/v1/customers'));
      assert.equal(partner.value.status, 503);
      assert.equal(partner.value.headers.get('retry-after'), '1');
      assert.equal(partner.value.body.wardenCode, 'service_unavailable');
      assert.equal(partner.value.body.source, 'PartnerFD');

      const graph = await callApi(w, 'GET', '/v1.0/users');
      assert.equal(graph.status, 503);
      assert.equal(graph.headers.get('retry-after'), '1');
      assert.equal(graph.body.error.code, 'serviceNotAvailable');

      const token = await fetch(`${w.baseUrl}/${contoso}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: tokenBody,
      });
      assert.equal(token.status, 503);
      assert.equal(token.headers.get('retry-after'), '1');
      assert.equal(((await token.json()) as { error: string }).error, 'temporarily_unavailable');

      const browser = await fetch(`${w.baseUrl}/dashboard`, { headers: { accept: 'text/html' } });
      assert.equal(browser.status, 503);
      assert.equal(browser.headers.get('retry-after'), '1');
      assert.match(browser.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.match(await browser.text(), /temporarily_unavailable/);

      assert.equal((await fetch(`${w.baseUrl}/readyz`)).status, 503, 'not ready for more');
      const live = await fetch(`${w.baseUrl}/healthz`);
      assert.equal(live.status, 200, 'liveness is never shed');
      // Refused before any work: no waiting behind the requests in flight.
      assert.ok(partner.ms < 1_000, `shed after ${Math.round(partner.ms)} ms`);

      authority.write(tokenBody);
      const issued = await authority.readResponse();
      assert.equal(issued.status, 200);
      assert.ok(JSON.parse(issued.body).access_token);
      page.write('password=x');
      assert.notEqual((await page.readResponse()).status, 503);
    } finally {
      authority.close();
      page.close();
    }
    // Below the limit again: served.
    const token = await appOnlyToken(w);
    assert.equal((await callApi(w, 'GET', '/v1/customers', { token })).status, 200);
  });

  test('Operations: while the event loop is behind by more than WARDEN_MAX_EVENT_LOOP_DELAY_MS, new requests are answered 503 with Retry-After; once it catches up they are served', async () => {
    const busy = await startConfiguredWarden({ WARDEN_MAX_EVENT_LOOP_DELAY_MS: '100' });
    const ready = async () => (await fetch(`${busy.baseUrl}/readyz`)).status === 200;
    try {
      for (let i = 0; i < 50 && !(await ready()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(await ready(), 'served once started');
      // Handlers that keep the CPU busy (the server runs in this process): 300 ms at a time, well
      // beyond the 100 ms allowed even when a busy machine delays the readings, with 20 ms between
      // them in which the loop's other timers (the delay readings) and its I/O (the requests) run.
      const hog = setInterval(() => {
        const end = performance.now() + 300;
        while (performance.now() < end);
      }, 20);
      let refused: Response | undefined;
      try {
        const until = performance.now() + 30_000;
        while (!refused && performance.now() < until) {
          const response = await fetch(`${busy.baseUrl}/v1/customers`);
          if (response.status === 503) refused = response;
          else await response.arrayBuffer();
        }
      } finally {
        clearInterval(hog);
      }
      assert.ok(refused, 'a request was shed while the event loop was behind');
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(((await refused.json()) as { wardenCode: string }).wardenCode, 'service_unavailable');
      for (let i = 0; i < 50 && !(await ready()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(await ready(), 'served again once the event loop caught up');
    } finally {
      await busy.stop();
    }
  });
});
