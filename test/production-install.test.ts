import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { verifyPassword } from '../src/authentication-methods/passwords.ts';
import { totpFor } from '../src/authentication-methods/totp.ts';
import {
  ACTIVATION_ERRORS,
  ONBOARDING_ERRORS,
  type OnboardingError,
} from '../src/errors/onboarding-errors.ts';
import { onboardTenant } from '../src/onboarding/tenant-onboarding.ts';
import { launchChromium } from './support/browser.ts';
import { CliUser } from './support/cli.ts';
import { answerConfirmation, enterUserCode } from './support/device.ts';
import { type ProductionInstall, type ProductionServer, productionInstall } from './support/production.ts';
import { UserAgent } from './support/user-agent.ts';

/** What warden init / tenants create / activation-link print with --json. */
interface Report {
  tenant: {
    id: string;
    kind: string;
    domain: string;
    displayName: string;
    programType?: string;
    securityDefaults: boolean;
  };
  admin: { id: string; userPrincipalName: string; directoryRoles: string[] };
  activationUrl: string;
  expiresAt: string;
}

const PASSWORD = 'Harbour-Tides-2041';

let install: ProductionInstall;
let server: ProductionServer;
before(async () => {
  install = await productionInstall();
  // The server runs before warden init, as on a real first install: no restart afterwards.
  server = await install.startServer();
});
after(async () => {
  await install?.cleanup();
});

async function run(args: string[]) {
  return install.admin.run(args);
}

async function onboard(args: string[]): Promise<Report> {
  const result = await run([...args, '--json']);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Report;
}

const count = async (table: 'tenants' | 'activation_links') =>
  Number(
    (
      await server.ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** The attributes every activation page carries (docs/errors.md "Activation page errors"). */
function outcome(page: string): { step: string | undefined; code: string | undefined } {
  const div = /<div data-step="([^"]+)"(?: data-code="([^"]+)")?/.exec(page);
  return { step: div?.[1], code: div?.[2] };
}

/** Posts the activation form as the browser would, with the page's CSRF cookie and field. */
async function postActivation(
  ua: UserAgent,
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; page: string; location: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [...ua.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      origin: install.baseUrl,
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, page: await response.text(), location: response.headers.get('location') };
}

async function openLink(ua: UserAgent, url: string): Promise<{ csrf: string }> {
  await ua.navigate(url);
  assert.equal(ua.lastStatus, 200, ua.lastPage.slice(0, 800));
  assert.equal(outcome(ua.lastPage).step, 'activate');
  return { csrf: /name="csrf" value="([^"]+)"/.exec(ua.lastPage)![1]! };
}

async function status(
  url: string,
): Promise<{ status: number; code: string | undefined; retryAfter: string | null }> {
  const response = await fetch(url, { redirect: 'manual' });
  return {
    status: response.status,
    code: outcome(await response.text()).code,
    retryAfter: response.headers.get('retry-after'),
  };
}

let operator: Report;
let partner: Report;

describe('Operations: warden init on a fresh production install (WARDEN_MODE=production)', () => {
  test('Operations: before warden init the dashboard answers 503 and warden tenants create is refused (no_operator, exit 1)', async () => {
    const dashboard = await fetch(`${install.baseUrl}/dashboard`, { redirect: 'manual' });
    assert.equal(dashboard.status, 503);
    assert.ok(dashboard.headers.get('retry-after'));
    const refused = await run([
      'tenants',
      'create',
      '--kind',
      'partner',
      '--domain',
      'contoso.example',
      '--admin',
      'jane@contoso.example',
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\(no_operator\)/);
    assert.equal(await count('tenants'), 0);
  });

  test('Operations: warden init and tenants create refuse bad input with exit 2 and write nothing', async () => {
    const cases = [
      ['init'],
      ['init', '--domain', 'ops.example'],
      ['init', '--domain', 'not a domain', '--admin', 'admin@ops.example'],
      ['init', '--domain', 'ops.example', '--admin', 'admin@elsewhere.example'],
      ['init', '--domain', 'ops.example', '--admin', 'ops.example'],
      ['tenants', 'create', '--kind', 'operator', '--domain', 'ops.example', '--admin', 'admin@ops.example'],
      ['tenants', 'create', '--domain', 'ops.example', '--admin', 'admin@ops.example'],
    ];
    for (const args of cases) {
      const result = await run(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    assert.equal(await count('tenants'), 0);
  });

  test('Operations: warden init creates the operator tenant (security defaults on), its first Global Administrator without a password, the CLI client, and one link stored as a SHA-256 only', async () => {
    operator = await onboard([
      'init',
      '--domain',
      'Ops.Example',
      '--admin',
      'Admin@ops.example',
      '--name',
      'Example Operations',
      '--display-name',
      'First Admin',
    ]);
    assert.equal(operator.tenant.kind, 'operator');
    assert.equal(operator.tenant.domain, 'ops.example');
    assert.equal(operator.tenant.displayName, 'Example Operations');
    assert.equal(operator.tenant.securityDefaults, true);
    assert.deepEqual(operator.admin.directoryRoles, ['Global Administrator']);
    assert.equal(operator.admin.userPrincipalName, 'admin@ops.example');
    assert.ok(operator.activationUrl.startsWith(`${install.baseUrl}/activate/`));
    assert.ok(Date.parse(operator.expiresAt) - Date.now() > 71 * 3600_000);

    const db = server.ctx.db;
    const user = await db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', operator.tenant.id)
      .executeTakeFirstOrThrow();
    assert.equal(user.password_hash, null, 'no usable password before activation');
    const cli = await db
      .selectFrom('applications')
      .selectAll()
      .where('id', '=', 'warden-cli')
      .executeTakeFirstOrThrow();
    assert.equal(cli.tenant_id, operator.tenant.id);
    assert.equal(cli.client_type, 'public');

    const links = await db.selectFrom('activation_links').selectAll().execute();
    assert.equal(links.length, 1);
    const [id, secret] = operator.activationUrl.split('/activate/')[1]!.split('.') as [string, string];
    assert.equal(links[0]!.id, id);
    assert.equal(links[0]!.secret_hash, createHash('sha256').update(secret).digest('base64url'));
    assert.ok(!JSON.stringify(links).includes(secret), 'the secret itself is stored nowhere');
  });

  test('Operations: warden init is refused once done (operator_exists, exit 1), whatever the arguments, and changes nothing', async () => {
    for (const args of [
      ['init', '--domain', 'ops.example', '--admin', 'admin@ops.example'],
      ['init', '--domain', 'other.example', '--admin', 'root@other.example', '--json'],
    ]) {
      const result = await run(args);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /\(operator_exists\)/);
      assert.equal(result.stdout, '');
    }
    assert.equal(await count('tenants'), 1);
    assert.equal(await count('activation_links'), 1);
    assert.equal((await status(operator.activationUrl)).status, 200, 'the first link still works');
  });

  test('Operations: warden tenants create onboards a partner (agent groups, its admin an Admin agent) and a customer; a taken domain is refused (exit 1)', async () => {
    partner = await onboard([
      'tenants',
      'create',
      '--kind',
      'partner',
      '--domain',
      'contoso.example',
      '--admin',
      'jane@contoso.example',
      '--name',
      'Contoso',
    ]);
    assert.equal(partner.tenant.kind, 'partner');
    assert.equal(partner.tenant.programType, 'csp-direct');
    assert.equal(partner.tenant.securityDefaults, true);
    assert.deepEqual(partner.admin.directoryRoles, ['Global Administrator']);
    const db = server.ctx.db;
    const groups = await db
      .selectFrom('groups')
      .leftJoin('group_members', (j) =>
        j
          .onRef('group_members.group_id', '=', 'groups.id')
          .onRef('group_members.tenant_id', '=', 'groups.tenant_id'),
      )
      .select(['groups.display_name as name', 'group_members.user_id as member'])
      .where('groups.tenant_id', '=', partner.tenant.id)
      .orderBy('groups.display_name')
      .execute();
    assert.deepEqual(
      groups.map((g) => [g.name, g.member]),
      [
        ['AdminAgents', partner.admin.id],
        ['HelpdeskAgents', null],
        ['SalesAgents', null],
      ],
    );

    const customer = await onboard([
      'tenants',
      'create',
      '--kind',
      'customer',
      '--domain',
      'northwind.example',
      '--admin',
      'nancy@northwind.example',
    ]);
    assert.equal(customer.tenant.kind, 'customer');
    assert.equal(customer.tenant.securityDefaults, true);
    assert.equal(customer.tenant.displayName, 'northwind.example');

    const taken = await run([
      'tenants',
      'create',
      '--kind',
      'customer',
      '--domain',
      'contoso.example',
      '--admin',
      'x@contoso.example',
    ]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /\(domain_taken\)/);
    const badType = await run([
      'tenants',
      'create',
      '--kind',
      'partner',
      '--program-type',
      'reseller',
      '--domain',
      'fabrikam.example',
      '--admin',
      'john@fabrikam.example',
    ]);
    assert.equal(badType.code, 2);
    assert.equal(await count('tenants'), 3);
  });

  test('Operations: an activation link works once: the GET never consumes it, the form needs its CSRF token and origin, THE password policy applies, then 410 link_used', async () => {
    const customer = await onboard([
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
    await openLink(ua, url);
    const { csrf } = await openLink(ua, url); // a second GET (a mail scanner, a reload) changes nothing
    assert.ok(ua.cookies.get('warden_activation'));

    const good = { csrf, password: PASSWORD, confirmPassword: PASSWORD };
    const noCookie = await postActivation(new UserAgent(), url, good);
    assert.deepEqual([noCookie.status, outcome(noCookie.page).code], [403, 'form_refused']);
    const otherOrigin = await postActivation(ua, url, good, { origin: 'https://evil.example' });
    assert.deepEqual([otherOrigin.status, outcome(otherOrigin.page).code], [403, 'form_refused']);
    const wrongCsrf = await postActivation(ua, url, { ...good, csrf: 'x' });
    assert.deepEqual([wrongCsrf.status, outcome(wrongCsrf.page).code], [403, 'form_refused']);

    for (const [password, code] of [
      ['Password1!', 'password_rejected'], // on the breached list
      ['short1!', 'password_rejected'],
      ['Ada-Lovelace-1815', 'password_rejected'], // contains the user's name
    ] as const) {
      const weak = await postActivation(ua, url, { csrf, password, confirmPassword: password });
      assert.deepEqual(
        [weak.status, outcome(weak.page).step, outcome(weak.page).code],
        [400, 'activate', code],
      );
    }
    const differ = await postActivation(ua, url, { ...good, confirmPassword: `${PASSWORD}x` });
    assert.deepEqual([differ.status, outcome(differ.page).code], [400, 'passwords_differ']);
    assert.equal((await status(url)).status, 200, 'refused passwords leave the link usable');

    const done = await postActivation(ua, url, good);
    assert.equal(done.status, 200);
    assert.equal(outcome(done.page).step, 'activated', 'a customer administrator is told how to sign in');
    assert.match(done.page, /warden login --tenant adatum\.example/);
    const user = await server.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', customer.tenant.id)
      .where('id', '=', customer.admin.id)
      .executeTakeFirstOrThrow();
    assert.ok(await verifyPassword(user.password_hash, PASSWORD));

    assert.deepEqual(await status(url), { status: 410, code: 'link_used', retryAfter: null });
    const again = await postActivation(ua, url, {
      csrf,
      password: 'Another-Choice-77',
      confirmPassword: 'Another-Choice-77',
    });
    assert.deepEqual([again.status, outcome(again.page).code], [410, 'link_used']);

    const [id, secret] = url.split('/activate/')[1]!.split('.') as [string, string];
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`${id}.${flipped}`, `${'A'.repeat(22)}.${secret}`, id, 'x']) {
      assert.deepEqual((await status(`${install.baseUrl}/activate/${bad}`)).code, 'link_invalid', bad);
    }
    const reissue = await run(['activation-link', 'ada@adatum.example']);
    assert.equal(reissue.code, 1);
    assert.match(reissue.stderr, /\(already_activated\)/);
    const unknown = await run(['activation-link', 'nobody@adatum.example']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /\(user_not_found\)/);
  });

  test('Operations: two uses of one activation link at once set one password, once (the conditional UPDATE settles it)', async () => {
    const customer = await onboard([
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
    const { csrf } = await openLink(ua, customer.activationUrl);
    const passwords = ['First-Choice-4417', 'Second-Choice-8823'];
    const results = await Promise.all(
      passwords.map((p) =>
        postActivation(ua, customer.activationUrl, { csrf, password: p, confirmPassword: p }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 410]);
    const winner = passwords[results.findIndex((r) => r.status === 200)]!;
    const loser = passwords.find((p) => p !== winner)!;
    assert.equal(outcome(results.find((r) => r.status === 410)!.page).code, 'link_used');
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
    const db = server.ctx.db;
    await db.deleteFrom('throttles').execute();
    const bad = `${install.baseUrl}/activate/${'B'.repeat(22)}.${'C'.repeat(43)}`;
    for (let i = 0; i < 10; i++) assert.equal((await status(bad)).code, 'link_invalid');
    const locked = await status(bad);
    assert.equal(locked.status, 429);
    assert.equal(locked.code, 'throttled');
    assert.ok(Number(locked.retryAfter) > 0);
    assert.equal((await status(partner.activationUrl)).status, 429, 'the lock holds for good links too');
    server.clock.advance(5 * 60_000 + 1);
    assert.equal((await status(partner.activationUrl)).status, 200);
    await db.deleteFrom('throttles').execute();
  });

  test('Operations: warden backup copies the SQLite database while the server runs, and never overwrites; on PostgreSQL it is refused (exit 1) and names pg_dump', async () => {
    const file = join(install.env.WARDEN_DATA_DIR!, 'backup', 'warden-copy.sqlite');
    mkdirSync(dirname(file), { recursive: true });
    const result = await run(['backup', '--to', file, '--json']);
    if (install.env.DATABASE_URL) {
      assert.equal(result.code, 1);
      assert.match(result.stderr, /pg_dump/);
      return;
    }
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).file, file);
    const copy = new DatabaseSync(file);
    try {
      const tenants = copy
        .prepare('select domain from tenants order by domain')
        .all()
        .map((r) => r.domain);
      const live = (
        await server.ctx.db.selectFrom('tenants').select('domain').orderBy('domain').execute()
      ).map((t) => t.domain);
      assert.deepEqual(tenants, live);
    } finally {
      copy.close();
    }
    const again = await run(['backup', '--to', file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /does not overwrite/);
  });
});

describe('Operations: the first administrators follow their links in Chromium to the dashboard', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  function code(seed: string): string {
    server.clock.advance(30_000); // RFC 6238 §5.2: a fresh step, each code is accepted once
    return totpFor(seed).generate({ timestamp: server.clock.now() });
  }

  /** Link → password → sign-in → required authenticator registration (skip refused) → dashboard. */
  async function activateInBrowser(report: Report): Promise<{ page: Page; seed: string }> {
    const upn = report.admin.userPrincipalName;
    const page = await (await browser.newContext()).newPage();
    await page.goto(report.activationUrl);
    assert.equal(await page.getAttribute('[data-step]', 'data-step'), 'activate');
    await page.fill('#new-password', 'Password1!');
    await page.fill('#confirm-password', 'Password1!');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-code=password_rejected]');

    await page.fill('#new-password', PASSWORD);
    await page.fill('#confirm-password', PASSWORD);
    await page.click('button[type=submit]');
    // Sent on to the dashboard's sign-in, which goes to the tenant's authority with the account filled in.
    await page.waitForSelector('#password');
    assert.equal(await page.inputValue('#username'), upn);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');

    // A Global Administrator under security defaults must register: no skip offered…
    await page.waitForSelector('code.secret');
    assert.equal(await page.textContent('h1'), 'Set up your authenticator app');
    assert.equal(await page.locator('input[name=action][value=skip_registration]').count(), 0);
    // …and a forged skip is refused: the page stays on registration.
    await page
      .locator('form:has(input[value=confirm_totp]) input[name=action]')
      .evaluate((input) => ((input as HTMLInputElement).value = 'skip_registration'));
    await page.click('form:has(input[name=action]) button[type=submit]');
    await page.waitForSelector('#form-error');
    assert.equal(await page.textContent('h1'), 'Set up your authenticator app');
    const seed = ((await page.textContent('code.secret')) ?? '').replace(/\s+/g, '');

    await page.fill('#code', code(seed));
    await page.click('form:has(input[value=confirm_totp]) button[type=submit]');
    await page.waitForSelector('ul.codes');
    await page.click('button[type=submit]');
    await page.waitForURL(`${install.baseUrl}/dashboard`);
    assert.equal(await page.textContent('[data-testid=mfa-status]'), 'MFA verified');
    assert.match(
      (await page.textContent('[data-testid=signed-in-user]')) ?? '',
      new RegExp(upn.replace('.', '\\.')),
    );
    assert.deepEqual((await status(report.activationUrl)).code, 'link_used');
    return { page, seed };
  }

  test("Operations: the operator's first Global Administrator sets a password, must register TOTP (no skip), and lands on the dashboard, with no server restart after warden init", async () => {
    const { page } = await activateInBrowser(operator);
    assert.match((await page.textContent('[data-testid=signed-in-tenant]')) ?? '', /Example Operations/);
    assert.match((await page.textContent('[data-testid=roles]')) ?? '', /Global admin/);
    const methods = await server.ctx.db
      .selectFrom('auth_methods')
      .select('kind')
      .where('tenant_id', '=', operator.tenant.id)
      .where('user_id', '=', operator.admin.id)
      .execute();
    assert.deepEqual(
      methods.map((m) => m.kind),
      ['totp'],
    );
    await page.context().close();
  });

  test("Operations: a partner's first administrator lands on the dashboard as Admin agent and Global admin and opens Customers", async () => {
    const { page } = await activateInBrowser(partner);
    assert.match((await page.textContent('[data-testid=roles]')) ?? '', /Admin agent/);
    assert.match((await page.textContent('[data-testid=roles]')) ?? '', /Global admin/);
    const customers = await page.goto(`${install.baseUrl}/commerce/customers`);
    assert.equal(customers?.status(), 200);
    assert.equal(await page.textContent('h1'), 'Customers');
    await page.context().close();
  });

  test("Operations: after warden init, warden login (device code) signs the operator's administrator in with MFA", async () => {
    const seed = await server.ctx.db
      .selectFrom('auth_methods')
      .select('secret_sealed')
      .select('id')
      .where('tenant_id', '=', operator.tenant.id)
      .executeTakeFirstOrThrow();
    const totp = server.ctx.secrets.open(seed.secret_sealed, `totp:${operator.tenant.id}:${seed.id}`);
    const user = new CliUser(install.baseUrl);
    try {
      const login = user.start(['login', '--tenant', 'ops.example', '--device-code']);
      const [, uri, userCode] = await login.waitForStderr(
        /open (\S+) in a browser on any device and enter the code (\S+)/,
      );
      const ua = new UserAgent();
      await enterUserCode(ua, uri!, userCode!);
      await answerConfirmation(ua, 'continue');
      await ua.submit('password', { username: 'admin@ops.example', password: PASSWORD });
      assert.equal(ua.title(), 'Verify your identity');
      await ua.submit('totp', { code: code(totp) });
      const result = await login.exited;
      assert.equal(result.code, 0, result.stderr);
      const whoami = await user.run(['whoami', '--json']);
      assert.equal(whoami.code, 0, whoami.stderr);
      assert.equal(JSON.parse(whoami.stdout).mfa, true);
    } finally {
      user.cleanup();
    }
  });

  test("Operations: an activation link expires after 72 hours on Warden's clock (410 link_expired); warden activation-link replaces it, and the old one stops working", async () => {
    const customer = await onboard([
      'tenants',
      'create',
      '--kind',
      'customer',
      '--domain',
      'proseware.example',
      '--admin',
      'pat@proseware.example',
    ]);
    const second = await onboard(['activation-link', 'pat@proseware.example']);
    assert.notEqual(second.activationUrl, customer.activationUrl);
    assert.equal((await status(customer.activationUrl)).code, 'link_invalid', 'the first link was replaced');
    assert.equal((await status(second.activationUrl)).status, 200);
    server.clock.advance(72 * 3600_000);
    assert.deepEqual(await status(second.activationUrl), {
      status: 410,
      code: 'link_expired',
      retryAfter: null,
    });
  });
});

describe('Operations: two warden init at once on one empty database', () => {
  test('Operations: exactly one creates the operator tenant; the other is refused (operator_exists, exit 1), settled by the database', async () => {
    const fresh = await productionInstall();
    try {
      const migrated = await fresh.admin.run(['migrate']);
      assert.equal(migrated.code, 0, migrated.stderr);
      const results = await Promise.all(
        ['one', 'two'].map((name) =>
          fresh.admin.run(['init', '--domain', `${name}.example`, '--admin', `admin@${name}.example`]),
        ),
      );
      assert.deepEqual(results.map((r) => r.code).sort(), [0, 1]);
      assert.match(results.find((r) => r.code === 1)!.stderr, /\(operator_exists\)/);
      const running = await fresh.startServer();
      const tenants = await running.ctx.db.selectFrom('tenants').select('kind').execute();
      assert.deepEqual(
        tenants.map((t) => t.kind),
        ['operator'],
      );
    } finally {
      await fresh.cleanup();
    }
  });

  test('Operations: the same race inside one process (one pool; truly concurrent transactions on PostgreSQL): one operator, the other onboarding refused', async () => {
    const fresh = await productionInstall();
    try {
      const running = await fresh.startServer();
      const raced = await Promise.allSettled(
        ['three', 'four'].map((name) =>
          onboardTenant(
            running.ctx,
            {
              kind: 'operator',
              domain: `${name}.example`,
              admin: { userPrincipalName: `admin@${name}.example` },
            },
            running.clock.now(),
          ),
        ),
      );
      assert.deepEqual(raced.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const refused = raced.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.equal((refused.reason as OnboardingError).code, 'operator_exists');
      const tenants = await running.ctx.db.selectFrom('tenants').select('kind').execute();
      assert.equal(tenants.length, 1);
      assert.equal(
        await running.ctx.db
          .selectFrom('users')
          .select('id')
          .execute()
          .then((r) => r.length),
        1,
      );
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('Operations: the onboarding error catalogue (STYLE 4)', () => {
  const doc = () => readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  function section(heading: string): string {
    const text = doc();
    const start = text.indexOf(`## ${heading}`);
    assert.ok(start >= 0, `docs/errors.md has no "## ${heading}" section`);
    const end = text.indexOf('\n## ', start + 1);
    return text.slice(start, end < 0 ? undefined : end);
  }

  test('Operations: docs/errors.md lists exactly the onboarding codes, with their exit codes', () => {
    const documented = [...section('Onboarding errors').matchAll(/^\| (\d) \| `(\w+)` \|/gm)].map((m) => [
      Number(m[1]),
      m[2],
    ]);
    const catalogue = Object.entries(ONBOARDING_ERRORS).map(([code, e]) => [e.usage ? 2 : 1, code]);
    assert.deepEqual(documented, catalogue);
  });

  test('Operations: docs/errors.md lists exactly the activation page codes, with their statuses', () => {
    const documented = [...section('Activation page errors').matchAll(/^\| (\d+) \| `(\w+)` \|/gm)].map(
      (m) => [Number(m[1]), m[2]],
    );
    const catalogue = Object.entries(ACTIVATION_ERRORS).map(([code, e]) => [e.status, code]);
    assert.deepEqual(documented, catalogue);
  });
});
