import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import {
  ACTIVATION_ERRORS,
  ONBOARDING_ERRORS,
  type OnboardingError,
} from '../src/errors/onboarding-errors.ts';
import { onboardTenant } from '../src/onboarding/tenant-onboarding.ts';
import {
  activationStatus,
  type OnboardingReport,
  type ProductionInstall,
  type ProductionServer,
  productionInstall,
} from './support/production.ts';

// README "Run in production": warden init and warden tenants create against a fresh install.
// The activation page is tested in activation-links.test.ts, the browser's way to the dashboard
// in production-install-browser.test.ts.

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

const count = async (table: 'tenants' | 'activation_links') =>
  Number(
    (
      await server.ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

let operator: OnboardingReport;

describe('Operations: warden init on a fresh production install (WARDEN_MODE=production)', () => {
  test('Operations: before warden init the dashboard answers 503 and warden tenants create is refused (no_operator, exit 1)', async () => {
    const dashboard = await fetch(`${install.baseUrl}/dashboard`, { redirect: 'manual' });
    assert.equal(dashboard.status, 503);
    assert.ok(dashboard.headers.get('retry-after'));
    const refused = await install.run([
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
      const result = await install.run(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    assert.equal(await count('tenants'), 0);
  });

  test('Operations: warden init creates the operator tenant (security defaults on), its first Global Administrator without a password, the CLI client, and one link stored as a SHA-256 only', async () => {
    operator = await install.onboard([
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
      .where('client_id_alias', '=', 'warden-cli')
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
      const result = await install.run(args);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /\(operator_exists\)/);
      assert.equal(result.stdout, '');
    }
    assert.equal(await count('tenants'), 1);
    assert.equal(await count('activation_links'), 1);
    assert.equal((await activationStatus(operator.activationUrl)).status, 200, 'the first link still works');
  });

  test('Operations: warden tenants create onboards a partner (agent groups, its admin an Admin agent) and a customer; a taken domain is refused (exit 1)', async () => {
    const partner = await install.onboard([
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

    const customer = await install.onboard([
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

    const taken = await install.run([
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
    const badType = await install.run([
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

  test('Operations: warden backup copies the SQLite database while the server runs, and never overwrites; on PostgreSQL it is refused (exit 1) and names pg_dump', async () => {
    const file = join(install.env.WARDEN_DATA_DIR!, 'backup', 'warden-copy.sqlite');
    mkdirSync(dirname(file), { recursive: true });
    const result = await install.run(['backup', '--to', file, '--json']);
    if (install.env.DATABASE_URL) {
      assert.equal(result.code, 1);
      assert.match(result.stderr, /pg_dump/);
      return;
    }
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).file, file);
    // It holds password hashes and sealed secrets: readable by its owner only, whatever the umask.
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dirname(file)), ['warden-copy.sqlite'], 'no partial file is left');
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
    const again = await install.run(['backup', '--to', file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /does not overwrite/);
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
