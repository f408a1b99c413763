import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyPassword } from '../src/authentication-methods/passwords.ts';
import { createTemporaryAccessPass } from '../src/authentication-methods/temporary-access-pass/passes.ts';
import {
  ADMIN_PASSWORD,
  activationOutcome,
  activationStatus,
  openActivationLink,
  type ProductionInstall,
  type ProductionServer,
  postActivation,
  productionInstall,
} from './support/production.ts';
import { UserAgent } from './support/user-agent.ts';

/** An interactive sign-in at a tenant's authority as the first-party CLI, up to the first page. */
async function authorityPage(tenantId: string): Promise<UserAgent> {
  const ua = new UserAgent();
  const query = new URLSearchParams({
    client_id: 'warden-cli',
    response_type: 'code',
    redirect_uri: 'http://localhost:53682/',
    scope: 'openid profile',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  });
  await ua.navigate(`${install.baseUrl}/${tenantId}/oauth2/v2.0/authorize?${query}`);
  return ua;
}

// The one-time activation link of a new administrator (warden init, warden tenants create): the
// /activate/{token} page over HTTP. Customer tenants: their administrators get the "activated" page.

let install: ProductionInstall;
let server: ProductionServer;
before(async () => {
  install = await productionInstall();
  server = await install.startServer();
  const init = await install.run(['init', '--domain', 'ops.example', '--admin', 'admin@ops.example']);
  assert.equal(init.code, 0, init.stderr);
});
after(async () => {
  await install?.cleanup();
});

describe('Operations: activation links (/activate/{token})', () => {
  test('Operations: an activation link works once: the GET never consumes it, the form needs its CSRF token and origin, THE password policy applies, then 410 link_used', async () => {
    const customer = await install.onboard([
      'tenants',
      'create',
      '--kind',
      'customer',
      '--domain',
      'adatum.example',
      '--admin',
      'ada@adatum.example',
    ]);
    const url = customer.activationUrl;
    const ua = new UserAgent();
    await openActivationLink(ua, url);
    const { csrf } = await openActivationLink(ua, url); // a second GET (a mail scanner, a reload) changes nothing
    assert.ok(ua.cookies.get('warden_activation'));

    const good = { csrf, password: ADMIN_PASSWORD, confirmPassword: ADMIN_PASSWORD };
    const noCookie = await postActivation(new UserAgent(), url, good);
    assert.deepEqual([noCookie.status, activationOutcome(noCookie.page).code], [403, 'form_refused']);
    const otherOrigin = await postActivation(ua, url, good, { origin: 'https://evil.example' });
    assert.deepEqual([otherOrigin.status, activationOutcome(otherOrigin.page).code], [403, 'form_refused']);
    const wrongCsrf = await postActivation(ua, url, { ...good, csrf: 'x' });
    assert.deepEqual([wrongCsrf.status, activationOutcome(wrongCsrf.page).code], [403, 'form_refused']);

    for (const [password, code] of [
      ['Password1!', 'password_rejected'], // on the breached list
      ['short1!', 'password_rejected'],
      ['Ada-Lovelace-1815', 'password_rejected'], // contains the user's name
    ] as const) {
      const weak = await postActivation(ua, url, { csrf, password, confirmPassword: password });
      assert.deepEqual(
        [weak.status, activationOutcome(weak.page).step, activationOutcome(weak.page).code],
        [400, 'activate', code],
      );
    }
    const differ = await postActivation(ua, url, { ...good, confirmPassword: `${ADMIN_PASSWORD}x` });
    assert.deepEqual([differ.status, activationOutcome(differ.page).code], [400, 'passwords_differ']);
    assert.equal((await activationStatus(url)).status, 200, 'refused passwords leave the link usable');

    const done = await postActivation(ua, url, good);
    assert.equal(done.status, 200);
    assert.equal(
      activationOutcome(done.page).step,
      'activated',
      'a customer administrator is told how to sign in',
    );
    assert.match(done.page, /warden login --tenant adatum\.example/);
    const user = await server.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', customer.tenant.id)
      .where('id', '=', customer.admin.id)
      .executeTakeFirstOrThrow();
    assert.ok(await verifyPassword(user.password_hash, ADMIN_PASSWORD));

    assert.deepEqual(await activationStatus(url), { status: 410, code: 'link_used', retryAfter: null });
    const again = await postActivation(ua, url, {
      csrf,
      password: 'Another-Choice-77',
      confirmPassword: 'Another-Choice-77',
    });
    assert.deepEqual([again.status, activationOutcome(again.page).code], [410, 'link_used']);

    const [id, secret] = url.split('/activate/')[1]!.split('.') as [string, string];
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`${id}.${flipped}`, `${'A'.repeat(22)}.${secret}`, id, 'x']) {
      assert.deepEqual(
        (await activationStatus(`${install.baseUrl}/activate/${bad}`)).code,
        'link_invalid',
        bad,
      );
    }
    const reissue = await install.run(['activation-link', 'ada@adatum.example']);
    assert.equal(reissue.code, 1);
    assert.match(reissue.stderr, /\(already_activated\)/);
    const unknown = await install.run(['activation-link', 'nobody@adatum.example']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /\(user_not_found\)/);
  });

  test('Operations: two uses of one activation link at once set one password, once (the conditional UPDATE settles it)', async () => {
    const customer = await install.onboard([
      'tenants',
      'create',
      '--kind',
      'customer',
      '--domain',
      'tailspin.example',
      '--admin',
      'terry@tailspin.example',
    ]);
    const ua = new UserAgent();
    const { csrf } = await openActivationLink(ua, customer.activationUrl);
    const passwords = ['First-Choice-4417', 'Second-Choice-8823'];
    const results = await Promise.all(
      passwords.map((p) =>
        postActivation(ua, customer.activationUrl, { csrf, password: p, confirmPassword: p }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 410]);
    const winner = passwords[results.findIndex((r) => r.status === 200)]!;
    const loser = passwords.find((p) => p !== winner)!;
    assert.equal(activationOutcome(results.find((r) => r.status === 410)!.page).code, 'link_used');
    const user = await server.ctx.db
      .selectFrom('users')
      .select('password_hash')
      .where('tenant_id', '=', customer.tenant.id)
      .where('id', '=', customer.admin.id)
      .executeTakeFirstOrThrow();
    assert.ok(await verifyPassword(user.password_hash, winner));
    assert.equal(await verifyPassword(user.password_hash, loser), false);
  });

  test('Operations: guessing activation links is throttled per source address: 10 bad ones, then 429 with Retry-After even for a good link, until the lock ends', async () => {
    const good = (
      await install.onboard([
        'tenants',
        'create',
        '--kind',
        'customer',
        '--domain',
        'litware.example',
        '--admin',
        'lee@litware.example',
      ])
    ).activationUrl;
    const db = server.ctx.db;
    await db.deleteFrom('throttles').execute();
    const bad = `${install.baseUrl}/activate/${'B'.repeat(22)}.${'C'.repeat(43)}`;
    for (let i = 0; i < 10; i++) assert.equal((await activationStatus(bad)).code, 'link_invalid');
    const locked = await activationStatus(bad);
    assert.equal(locked.status, 429);
    assert.equal(locked.code, 'throttled');
    assert.ok(Number(locked.retryAfter) > 0);
    assert.equal((await activationStatus(good)).status, 429, 'the lock holds for good links too');
    server.clock.advance(5 * 60_000 + 1);
    assert.equal((await activationStatus(good)).status, 200);
    await db.deleteFrom('throttles').execute();
  });

  test('Issue 15 item 2: an activation shows a one-time Temporary Access Pass once; the first registration needs it — the password alone is refused (53003), the pass leads to registration', async () => {
    const customer = await install.onboard([
      'tenants',
      'create',
      '--kind',
      'customer',
      '--domain',
      'fourthcoffee.example',
      '--admin',
      'pat@fourthcoffee.example',
    ]);
    // A pass an administrator issued before the activation is replaced by the activation's own.
    const earlier = await createTemporaryAccessPass(server.ctx.db, {
      tenantId: customer.tenant.id,
      userId: customer.admin.id,
      createdBy: null,
      now: server.clock.now(),
    });
    const ua = new UserAgent();
    const { csrf } = await openActivationLink(ua, customer.activationUrl);
    const done = await postActivation(ua, customer.activationUrl, {
      csrf,
      password: ADMIN_PASSWORD,
      confirmPassword: ADMIN_PASSWORD,
    });
    assert.equal(done.status, 200);
    const pass = /data-testid="temporary-access-pass"[^>]*>([a-z2-9]{16})</.exec(done.page)?.[1];
    assert.ok(pass, 'the pass is on the activated page');
    const stored = await server.ctx.db
      .selectFrom('temporary_access_passes')
      .selectAll()
      .where('tenant_id', '=', customer.tenant.id)
      .where('user_id', '=', customer.admin.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.is_usable_once), 1);
    assert.notEqual(stored.pass_hash, pass, 'stored hashed');
    assert.notEqual(stored.id, earlier.tap.id, 'the earlier pass was replaced');
    const audit = await server.ctx.db
      .selectFrom('audit_events')
      .select(['activity', 'details'])
      .where('tenant_id', '=', customer.tenant.id)
      .where('target_id', '=', customer.admin.id)
      .where('activity', '=', 'Activate account')
      .execute();
    assert.equal(audit.length, 1, 'the activation and the pass it issued are audited');
    assert.equal(JSON.parse(audit[0]!.details).temporaryAccessPassId, stored.id);
    assert.deepEqual(JSON.parse(audit[0]!.details).replacedTemporaryAccessPassIds, [earlier.tap.id]);
    assert.ok(!audit[0]!.details.includes(pass), 'never the pass itself');

    const withPassword = await authorityPage(customer.tenant.id);
    await withPassword.submit('password', { username: 'pat@fourthcoffee.example', password: ADMIN_PASSWORD });
    assert.equal(withPassword.lastStatus, 403);
    assert.equal(withPassword.step(), 'blocked');
    assert.match(withPassword.lastPage, /AADSTS53003/);

    const withPass = await authorityPage(customer.tenant.id);
    await withPass.submit('temporary_access_pass', {
      username: 'pat@fourthcoffee.example',
      temporaryAccessPass: pass,
    });
    assert.equal(withPass.step(), 'register_method');
  });

  test("Operations: an activation link expires after 72 hours on Warden's clock (410 link_expired); warden activation-link replaces it, and the old one stops working", async () => {
    const customer = await install.onboard([
      'tenants',
      'create',
      '--kind',
      'customer',
      '--domain',
      'proseware.example',
      '--admin',
      'pat@proseware.example',
    ]);
    const second = await install.onboard(['activation-link', 'pat@proseware.example']);
    assert.notEqual(second.activationUrl, customer.activationUrl);
    assert.equal(
      (await activationStatus(customer.activationUrl)).code,
      'link_invalid',
      'the first link was replaced',
    );
    assert.equal((await activationStatus(second.activationUrl)).status, 200);
    server.clock.advance(72 * 3600_000);
    assert.deepEqual(await activationStatus(second.activationUrl), {
      status: 410,
      code: 'link_expired',
      retryAfter: null,
    });
  });
});
