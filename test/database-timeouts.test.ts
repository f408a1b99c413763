import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startConfiguredWarden } from './support/configured-warden.ts';
import { FreezableProxy } from './support/freezable-proxy.ts';
import { graphToken } from './support/graph.ts';
import type { TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi, userToken } from './support/tokens.ts';

/** Short timeouts, so a database that does not answer is noticed within a second or two. */
const TIMEOUT_MS = 400;
/**
 * What a refused request may take at most: two waits for the database (oidc-provider looks the
 * client up again to render its error), each the statement timeout and the client's margin of a
 * second, and slack for a busy machine. Without timeouts it would wait as long as the database.
 */
const REFUSED_WITHIN_MS = 2 * (TIMEOUT_MS + 1_000) + 1_500;

const postgresUrl = process.env.WARDEN_TEST_DATABASE_URL;

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

async function page(w: TestWarden, path: string) {
  const response = await fetch(`${w.baseUrl}${path}`, { headers: { accept: 'text/html' } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function assertRefused(res: { status: number; headers: Headers }, ms: number, what: string): void {
  assert.equal(res.status, 503, what);
  assert.equal(res.headers.get('retry-after'), '5', what);
  assert.ok(ms < REFUSED_WITHIN_MS, `${what} answered after ${Math.round(ms)} ms`);
}

describe('Operations: a database that does not answer in time', { timeout: 120_000 }, () => {
  let w: Awaited<ReturnType<typeof startConfiguredWarden>>;
  let proxy: FreezableProxy | undefined;
  let partnerToken: string;
  let graphTokenOfJane: string;

  before(async () => {
    if (postgresUrl) {
      const target = new URL(postgresUrl);
      proxy = await FreezableProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    }
    const through = proxy;
    w = await startConfiguredWarden(
      {
        WARDEN_DB_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
        WARDEN_DB_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS),
      },
      {
        databaseUrl: (url) => {
          const routed = new URL(url);
          routed.hostname = '127.0.0.1';
          routed.port = String(through?.port);
          return routed.toString();
        },
      },
    );
    partnerToken = await userToken(w, 'jane@contoso.example');
    graphTokenOfJane = await graphToken(w, 'jane@contoso.example');
  });
  after(async () => {
    await w?.stop();
    await proxy?.close();
  });

  /**
   * The database stops answering: PostgreSQL frozen (the proxy passes nothing), or SQLite's write
   * lock held by another process (its readers are never blocked, so only writes wait).
   */
  function stopAnswering(): () => void {
    if (proxy) {
      proxy.freeze();
      return () => proxy!.thaw();
    }
    const other = new DatabaseSync(join(w.dataDir, 'warden.sqlite'));
    other.exec('BEGIN IMMEDIATE');
    return () => {
      other.exec('ROLLBACK');
      other.close();
    };
  }

  const newCustomer = (domain: string) => ({
    companyProfile: { domain },
    billingProfile: {
      email: `it@${domain}`,
      companyName: 'Waiting',
      defaultAddress: { country: 'US', city: 'Seattle', addressLine1: '1 Main St' },
    },
  });

  test('Operations: a database that does not answer within the timeouts gets a 503 with Retry-After from both APIs, in their shapes, within the timeouts (PostgreSQL frozen; SQLite write lock held elsewhere)', async () => {
    const jane = w.demo.users['jane@contoso.example']!.id;
    const resume = stopAnswering();
    try {
      const partner = await timed(() =>
        callApi(w, 'POST', '/v1/customers', { token: partnerToken, body: newCustomer('waiting.example') }),
      );
      assertRefused(partner.value, partner.ms, 'Partner API');
      assert.equal(partner.value.body.wardenCode, 'service_unavailable');
      assert.equal(partner.value.body.source, 'PartnerFD');

      const graph = await timed(() =>
        callApi(w, 'PATCH', `/v1.0/users/${jane}`, {
          token: graphTokenOfJane,
          body: { displayName: 'Jane (waiting)' },
        }),
      );
      assertRefused(graph.value, graph.ms, 'Graph API');
      assert.equal(graph.value.body.error.code, 'serviceNotAvailable');
      assert.ok(graph.value.body.error.innerError['request-id']);
    } finally {
      resume();
    }
    // The connections given up on were discarded, not pooled again: the next requests work.
    const created = await callApi(w, 'POST', '/v1/customers', {
      token: partnerToken,
      body: newCustomer('waiting.example'),
    });
    assert.equal(created.status, 201, 'nothing of the refused creation was kept');
    const renamed = await callApi(w, 'PATCH', `/v1.0/users/${jane}`, {
      token: graphTokenOfJane,
      body: { displayName: 'Jane Doe' },
    });
    assert.equal(renamed.status, 204);
  });

  test('Operations: /readyz answers 503 with Retry-After while the database does not answer and 200 once it does; /healthz (liveness) stays 200', async () => {
    assert.equal((await fetch(`${w.baseUrl}/readyz`)).status, 200);
    const resume = stopAnswering();
    try {
      const ready = await timed(() => fetch(`${w.baseUrl}/readyz`));
      assertRefused(ready.value, ready.ms, '/readyz');
      assert.equal(((await ready.value.json()) as { status: string }).status, 'unavailable');
      const live = await fetch(`${w.baseUrl}/healthz`);
      assert.equal(live.status, 200);
    } finally {
      resume();
    }
    assert.equal((await fetch(`${w.baseUrl}/readyz`)).status, 200);
  });

  test('Operations: the authority endpoints and the sign-in pages answer 503 temporarily_unavailable with Retry-After when the database does not answer: JSON for clients, a page under the page CSP for browsers', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    // A valid request: the authority reads the client and stores the interaction it starts.
    const authorize = `/${contoso}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: w.demo.clients['warden-cli']!.clientId,
      redirect_uri: 'http://localhost/',
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`;
    const resume = stopAnswering();
    try {
      const browser = await timed(() => page(w, authorize));
      assertRefused(browser.value, browser.ms, 'authorization endpoint, browser');
      assert.match(browser.value.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(browser.value.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.match(browser.value.text, /temporarily_unavailable/);

      // RFC 8628 §3.1: the device authorization endpoint stores the device code it issues.
      const device = await timed(async () => {
        const response = await fetch(`${w.baseUrl}/${contoso}/oauth2/v2.0/devicecode`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: 'warden-cli', scope: 'openid profile offline_access' }),
        });
        return { status: response.status, headers: response.headers, body: await response.json() };
      });
      assertRefused(device.value, device.ms, 'device authorization endpoint');
      assert.equal(device.value.body.error, 'temporarily_unavailable');

      if (proxy) {
        // Reads only, which never wait on SQLite: the client-credentials grant and a sign-in page.
        const token = await timed(async () => {
          const response = await fetch(`${w.baseUrl}/${contoso}/oauth2/v2.0/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              client_id: 'contoso-automation',
              client_secret: w.demo.clients['contoso-automation']!.clientSecret!,
              scope: 'urn:warden:partner-api/.default',
            }),
          });
          return { status: response.status, headers: response.headers, body: await response.json() };
        });
        assertRefused(token.value, token.ms, 'token endpoint');
        assert.equal(token.value.body.error, 'temporarily_unavailable');

        const signIn = await timed(() => page(w, `/${contoso}/login/some-interaction`));
        assertRefused(signIn.value, signIn.ms, 'sign-in page');
        assert.match(signIn.value.headers.get('content-security-policy') ?? '', /default-src 'none'/);
        assert.match(signIn.value.text, /temporarily_unavailable/);
      }
    } finally {
      resume();
    }
    await appOnlyToken(w);
    const resumed = await fetch(`${w.baseUrl}${authorize}`, { redirect: 'manual' });
    assert.equal(resumed.status, 303, 'the authorization request proceeds to sign-in');
  });

  test("Operations: a statement waiting on another session's lock gives up at WARDEN_DB_STATEMENT_TIMEOUT_MS (PostgreSQL statement_timeout, SQLite busy timeout) with a 503, and the connection serves the next request", async () => {
    let release: () => Promise<void>;
    if (proxy) {
      // Another session holds the customers table, as a long migration or a stuck job would.
      const holder = new pg.Client({ connectionString: w.databaseUrl });
      await holder.connect();
      await holder.query('begin');
      await holder.query('lock table customers in access exclusive mode');
      release = async () => {
        await holder.query('rollback');
        await holder.end();
      };
    } else {
      const resume = stopAnswering();
      release = async () => resume();
    }
    try {
      const blocked = await timed(() =>
        callApi(w, 'POST', '/v1/customers', {
          token: partnerToken,
          body: newCustomer('behind-a-lock.example'),
        }),
      );
      assertRefused(blocked.value, blocked.ms, 'Partner API behind a lock');
      assert.equal(blocked.value.body.wardenCode, 'service_unavailable');
    } finally {
      await release();
    }
    const created = await callApi(w, 'POST', '/v1/customers', {
      token: partnerToken,
      body: newCustomer('behind-a-lock.example'),
    });
    assert.equal(created.status, 201);
  });
});
