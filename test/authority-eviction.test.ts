import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { createTenant } from '../src/directory/tenants.ts';
import { LruCache } from '../src/lru-cache.ts';
import { rotateSigningKeys } from '../src/tokens/signing-keys.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization, verifyWithJwks } from './support/oidc.ts';
import { RawConnection } from './support/raw-http.ts';
import { UserAgent } from './support/user-agent.ts';

/*
 * Issue 16 items 3 and 7: tenant authorities are kept under a budget (WARDEN_AUTHORITY_CACHE_SIZE)
 * and the least recently used is dropped; all a flow needs is in the database, so a sign-in whose
 * authority is dropped between its steps completes on the rebuilt one. Runs on SQLite, and on
 * PostgreSQL when WARDEN_TEST_DATABASE_URL is set (the harness then gives it a database of its own).
 */

const BUDGET = 2;

/** A user agent whose every request finds its tenant's authority evicted first. */
class EvictingUserAgent extends UserAgent {
  readonly #evict: () => Promise<void>;
  evictions = 0;

  constructor(evict: () => Promise<void>) {
    super();
    this.#evict = evict;
  }

  override async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<Response> {
    await this.#evict();
    this.evictions += 1;
    return super.request(url, init);
  }
}

describe('Operations: the bounded cache behind the authorities', () => {
  it('Operations: an LRU cache keeps at most its limit, drops the least recently used first, and a stale delete leaves a newer value', () => {
    const dropped: string[] = [];
    const cache = new LruCache<string, number>(2, (key) => dropped.push(key));
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1); // a is now the most recently used
    cache.set('c', 3);
    assert.deepEqual(cache.keys(), ['a', 'c']);
    assert.deepEqual(dropped, ['b']);
    assert.equal(cache.get('b'), undefined);
    cache.deleteIf('a', 99); // a failed build of an older value must not drop the newer one
    assert.equal(cache.get('a'), 1);
    cache.deleteIf('a', 1);
    assert.deepEqual(cache.keys(), ['c']);
    assert.throws(() => new LruCache(0), RangeError);
  });
});

describe('Operations: tenant authorities under a budget', () => {
  let w: TestWarden;
  const others: string[] = [];

  before(async () => {
    w = await startWarden({ env: { WARDEN_AUTHORITY_CACHE_SIZE: String(BUDGET) } });
    for (let i = 0; i < 6; i++) {
      const tenant = await createTenant(w.ctx.db, {
        kind: 'customer',
        displayName: `Eviction ${i}`,
        domain: `eviction-${i}.example`,
      });
      others.push(tenant.id);
    }
  });
  after(() => w.stop());

  const cached = () => w.ctx.authorities.cachedTenantIds();

  async function discover(tenant: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${w.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`);
    assert.equal(response.status, 200, `discovery of ${tenant}`);
    const body = (await response.json()) as Record<string, unknown>;
    assert.ok(w.ctx.authorities.stats().size <= BUDGET, `the cache holds ${cached().join(', ')}`);
    return body;
  }

  /** Fills the budget with two of the extra tenants, so `tenantId` is no longer held. */
  async function evict(tenantId: string): Promise<void> {
    await discover(others[4]!);
    await discover(others[5]!);
    assert.ok(!cached().includes(tenantId), `${tenantId} is still held`);
  }

  it('Operations: with a budget of 2, a third tenant evicts the least recently used authority', async () => {
    const [a, b, c] = others as [string, string, string];
    const before = w.ctx.authorities.stats();
    assert.equal(before.limit, BUDGET);
    await discover(a);
    await discover(b);
    assert.deepEqual(cached(), [a, b]);
    await discover(a); // a is now the most recently used: b goes first
    await discover(c);
    assert.deepEqual(cached(), [a, c]);
    const now = w.ctx.authorities.stats();
    assert.equal(now.size, BUDGET);
    assert.ok(now.evictions >= before.evictions + 1);
    // b comes back on its next request, built again, and answers as before.
    const builds = now.builds;
    const again = await discover(b);
    assert.equal(again.issuer, `${w.baseUrl}/${b}/v2.0`);
    assert.equal(w.ctx.authorities.stats().builds, builds + 1);
    assert.deepEqual(cached(), [c, b]);
  });

  it('Operations: concurrent first requests of a tenant build its authority once, and the cache never holds more than the budget', async () => {
    const tenant = others[3]!;
    await evict(tenant);
    const builds = w.ctx.authorities.stats().builds;
    const answers = await Promise.all(Array.from({ length: 8 }, () => discover(tenant)));
    assert.ok(answers.every((a) => a.issuer === `${w.baseUrl}/${tenant}/v2.0`));
    assert.equal(w.ctx.authorities.stats().builds, builds + 1);
    // Many tenants at once, by id and by domain: never more than the budget held.
    await Promise.all(
      others.flatMap((id, i) => [discover(id), discover(`eviction-${i}.example`), discover(id)]),
    );
    assert.ok(w.ctx.authorities.stats().size <= BUDGET);
    assert.ok(cached().length <= BUDGET);
  });

  it('Operations: a sign-in whose tenant is evicted before each of its steps still completes (password + TOTP → code → token)', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const start = await startAuthorization(w, 'contoso');
    const ua = new EvictingUserAgent(() => evict(contoso));
    const { callback } = await signIn(
      w,
      start,
      { upn: 'jane@contoso.example', totpSeed: w.demo.users['jane@contoso.example']!.totpSeed! },
      ua,
    );
    // Authorization, its redirect to the sign-in page, password, TOTP, and the resumed authorization.
    assert.ok(ua.evictions >= 5, `only ${ua.evictions} requests`);
    assert.match(callback, /[?&]code=/);
    await evict(contoso);
    const builds = w.ctx.authorities.stats().builds;
    const tokens = await redeem(start, callback);
    assert.ok(w.ctx.authorities.stats().builds > builds, 'the token request rebuilt the authority');
    const access = await verifyWithJwks(w, 'contoso', tokens.access_token, 'urn:warden:partner-api');
    assert.deepEqual(access.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(access.upn, 'jane@contoso.example');
    // The refresh token, redeemed at a rebuilt authority again, rotates as ever.
    await evict(contoso);
    const refreshed = await fetch(`${w.baseUrl}/${contoso}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: w.demo.clients['warden-cli']!.clientId,
        scope: 'urn:warden:partner-api/user_impersonation offline_access',
      }),
    });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
    const body = (await refreshed.json()) as { access_token: string; refresh_token: string };
    assert.deepEqual(decodeJwt(body.access_token).amr, ['pwd', 'otp', 'mfa']);
    assert.notEqual(body.refresh_token, tokens.refresh_token);
  });

  it('Operations: a token request in flight on an authority evicted meanwhile is answered by it', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const automation = w.demo.clients['contoso-automation']!;
    await evict(contoso);
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: automation.clientId,
      client_secret: automation.clientSecret!,
      scope: 'urn:warden:partner-api/.default',
    }).toString();
    const connection = await RawConnection.open(Number(new URL(w.baseUrl).port));
    let answer: Awaited<ReturnType<RawConnection['readResponse']>>;
    try {
      connection.write(
        `POST /${contoso}/oauth2/v2.0/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n${form.slice(0, 10)}`,
      );
      // The request holds its authority (taken before its body is read); then that authority is
      // dropped. Waiting here is for the request to get that far (a database read), not for a time.
      const reached = performance.now() + 10_000;
      while (!cached().includes(contoso) && performance.now() < reached)
        await new Promise((r) => setTimeout(r, 2));
      assert.ok(cached().includes(contoso), 'the request did not reach its authority');
      await evict(contoso);
      connection.write(form.slice(10));
      answer = await connection.readResponse();
    } finally {
      connection.socket.destroy();
    }
    assert.equal(answer.status, 200, answer.body);
    assert.equal(decodeJwt((JSON.parse(answer.body) as { access_token: string }).access_token).tid, contoso);
  });

  it('Operations: a key rotation still rebuilds every authority, which then signs with the new key', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    await discover(contoso);
    const kid = await rotateSigningKeys(w.ctx.db, w.ctx.keyBox, Date.now(), { immediate: true });
    assert.equal(await w.ctx.authorities.reloadKeysIfRotated(), true);
    assert.deepEqual(cached(), []);
    const builds = w.ctx.authorities.stats().builds;
    const automation = w.demo.clients['contoso-automation']!;
    const response = await fetch(`${w.baseUrl}/${contoso}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: automation.clientId,
        client_secret: automation.clientSecret!,
        scope: 'urn:warden:partner-api/.default',
      }),
    });
    assert.equal(response.status, 200);
    const token = ((await response.json()) as { access_token: string }).access_token;
    assert.equal(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid, kid);
    assert.equal(w.ctx.authorities.stats().builds, builds + 1);
  });
});
