import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { recordAuditEvent, SYSTEM_ACTOR } from '../src/audit/audit-events.ts';
import { DAP_INACTIVE_DAYS } from '../src/delegated-admin/dap.ts';
import { createTenant } from '../src/directory/tenants.ts';
import { runRetention } from '../src/retention/retention-job.ts';
import {
  DAY_MS,
  DELEGATED_EVIDENCE_DAYS,
  firstRollupDay,
  RetentionOutOfRange,
  setLogRetention,
} from '../src/retention/windows.ts';
import { recordSignIn } from '../src/sign-in-logs/sign-in-log.ts';
import { type Db, openDatabase } from '../src/storage/database.ts';
import { migrateUpTo } from '../src/storage/migrations.ts';
import {
  addMonths,
  ensureMonthPartition,
  monthPartitions,
  monthStart,
  PARTITIONED_LOGS,
  partitionName,
} from '../src/storage/monthly-partitions.ts';
import type { Database } from '../src/storage/schema.ts';
import { FrozenClock, testDatabase } from './support/harness.ts';

const ON_POSTGRES = Boolean(process.env.WARDEN_TEST_DATABASE_URL);
const SIGN_INS = PARTITIONED_LOGS[0]!;

/** A fresh, migrated database of the test's own (SQLite file or PostgreSQL database). */
async function freshDatabase(prefix: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-retention-'));
  const { url, drop } = await testDatabase(prefix);
  const opened = await openDatabase({ databaseUrl: url, dataDir });
  return {
    ...opened,
    /** A second connection to the same database, as a second instance has. */
    other: () => openDatabase({ databaseUrl: url, dataDir }),
    async close() {
      await opened.db.destroy();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function tenant(db: Db, name: string, now: number): Promise<string> {
  const made = await createTenant(
    db,
    { kind: 'customer', displayName: name, domain: `${name}-${randomUUID().slice(0, 8)}.example` },
    now,
  );
  return made.id;
}

function signIn(db: Db, tenantId: string, createdAt: number, homeTenantId = tenantId): Promise<string> {
  return recordSignIn(db, {
    resourceTenantId: tenantId,
    homeTenantId,
    userId: randomUUID(),
    userPrincipalName: 'someone@example.test',
    appId: null,
    ipAddress: '192.0.2.1',
    clientAppUsed: 'Browser',
    isInteractive: true,
    errorCode: 0,
    authenticationRequirement: 'singleFactorAuthentication',
    requirementPolicy: null,
    steps: [],
    createdAt,
  });
}

async function servicePrincipalSignIn(db: Db, tenantId: string, createdAt: number): Promise<void> {
  await db
    .insertInto('service_principal_sign_ins')
    .values({
      tenant_id: tenantId,
      id: randomUUID(),
      created_at: createdAt,
      app_id: null,
      app_display_name: null,
      service_principal_id: null,
      ip_address: null,
      resource_id: null,
      resource_display_name: null,
      client_credential_type: 'clientSecret',
      error_code: 0,
      failure_reason: null,
      correlation_id: randomUUID(),
    })
    .execute();
}

/** A dashboard operation: a request-log row, and (trigger 0023) a rollup of its UTC day. */
async function request(
  db: Db,
  tenantId: string,
  occurredAt: number,
  customerTenantId: string | null = null,
): Promise<void> {
  await db
    .insertInto('request_log')
    .values({
      tenant_id: tenantId,
      id: randomUUID(),
      occurred_at: occurredAt,
      surface: 'dashboard',
      operation: 'customers.list',
      user_id: randomUUID(),
      user_principal_name: 'someone@example.test',
      app_id: null,
      mfa_compliant: 1,
      outcome: 'success',
      status_code: 200,
      correlation_id: randomUUID(),
      customer_tenant_id: customerTenantId,
      delegated_access: null,
      request_id: null,
      ip_address: null,
      under_exception: 0,
    })
    .execute();
}

/** One row of every log of the tenant at `at`. */
async function logEverything(db: Db, tenantId: string, at: number): Promise<void> {
  await signIn(db, tenantId, at);
  await servicePrincipalSignIn(db, tenantId, at);
  await recordAuditEvent(
    db,
    [tenantId],
    {
      category: 'Test',
      activity: 'retention',
      actor: SYSTEM_ACTOR,
      target: { type: 'tenant', id: tenantId },
    },
    at,
  );
  await request(db, tenantId, at);
}

type Counted = 'sign_ins' | 'service_principal_sign_ins' | 'audit_events' | 'request_log' | 'request_rollups';

async function count(db: Db, table: Counted, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function logCounts(db: Db, tenantId: string): Promise<number[]> {
  const tables = ['sign_ins', 'service_principal_sign_ins', 'audit_events', 'request_log'] as const;
  return Promise.all(tables.map((t) => count(db, t, tenantId)));
}

describe(`Retention on ${ON_POSTGRES ? 'PostgreSQL' : 'SQLite'}`, () => {
  let store: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Db;
  before(async () => {
    store = await freshDatabase('warden_retention');
    db = store.db;
  });
  after(() => store.close());

  it('Retention: a row exactly 30 days old is kept, one a millisecond older is deleted, in every log', async () => {
    const clock = new FrozenClock();
    const t0 = clock.now();
    const contoso = await tenant(db, 'inside', t0);
    await logEverything(db, contoso, t0);
    clock.advance(30 * DAY_MS);
    const at30Days = t0 + 30 * DAY_MS;
    await runRetention(db, store.kind, at30Days);
    assert.deepEqual(await logCounts(db, contoso), [1, 1, 1, 1], 'just inside the window: kept');
    const run = await runRetention(db, store.kind, at30Days + 1);
    assert.deepEqual(await logCounts(db, contoso), [0, 0, 0, 0], 'just outside the window: deleted');
    assert.ok(run.deleted.sign_ins >= 1 && run.deleted.audit_events >= 1);
  });

  it("Retention, reference §1.11: a partner's delegated use (its sign-in at a customer, its request into one) is kept 91 days, so the DAP inactivity report still sees it; the rest goes after 30", async () => {
    const clock = new FrozenClock();
    const t0 = clock.now();
    const partner = await tenant(db, 'partner', t0);
    const customer = await tenant(db, 'customer', t0);
    const at = t0 - 35 * DAY_MS;
    await signIn(db, customer, at); // the customer's own user
    await signIn(db, customer, at, partner); // a partner user at the customer's authority
    await request(db, partner, at); // the partner's own request
    await request(db, partner, at, customer); // a partner request into the customer
    await runRetention(db, store.kind, t0);
    assert.equal(await count(db, 'sign_ins', customer), 1, 'the delegated sign-in stays');
    assert.equal(await count(db, 'request_log', partner), 1, 'the delegated request stays');
    const kept = await db
      .selectFrom('sign_ins')
      .select('home_tenant_id')
      .where('tenant_id', '=', customer)
      .execute();
    assert.deepEqual(
      kept.map((r) => r.home_tenant_id),
      [partner],
    );
    assert.equal(DELEGATED_EVIDENCE_DAYS > DAP_INACTIVE_DAYS, true);
    await runRetention(db, store.kind, at + DELEGATED_EVIDENCE_DAYS * DAY_MS + 1);
    assert.equal(await count(db, 'sign_ins', customer), 0);
    assert.equal(await count(db, 'request_log', partner), 0);
  });

  it("Retention: each tenant keeps its logs for its own window; another tenant's stay for theirs", async () => {
    const clock = new FrozenClock();
    const t0 = clock.now();
    const brief = await tenant(db, 'brief', t0);
    const standard = await tenant(db, 'standard', t0);
    const longer = await tenant(db, 'longer', t0);
    await setLogRetention(db, brief, 7, t0);
    await setLogRetention(db, longer, 90, t0);
    for (const id of [brief, standard, longer]) {
      await logEverything(db, id, t0 - 8 * DAY_MS);
      await logEverything(db, id, t0 - 45 * DAY_MS);
      await logEverything(db, id, t0 - 100 * DAY_MS);
    }
    await runRetention(db, store.kind, t0);
    assert.deepEqual(await logCounts(db, brief), [0, 0, 0, 0], '7 days: all three gone');
    assert.deepEqual(await logCounts(db, standard), [1, 1, 1, 1], '30 days: the 8-day-old rows stay');
    assert.deepEqual(await logCounts(db, longer), [2, 2, 2, 2], '90 days: the 100-day-old rows go');
    // Back to the default: the longer tenant's 45-day-old rows go at the next run.
    await setLogRetention(db, longer, null, t0);
    await runRetention(db, store.kind, t0);
    assert.deepEqual(await logCounts(db, longer), [1, 1, 1, 1]);
    await assert.rejects(setLogRetention(db, brief, 0, t0), RetentionOutOfRange);
    await assert.rejects(setLogRetention(db, brief, 731, t0), RetentionOutOfRange);
  });

  it('Retention: the compliance rollups keep their days for 13 months after the raw rows are gone', async () => {
    const now = new FrozenClock().now();
    const partner = await tenant(db, 'rollups', now);
    const firstKept = Date.parse(`${firstRollupDay(now)}T12:00:00.000Z`);
    await request(db, partner, firstKept);
    await request(db, partner, firstKept - DAY_MS);
    await request(db, partner, now - 40 * DAY_MS);
    assert.equal(await count(db, 'request_rollups', partner), 3);
    const run = await runRetention(db, store.kind, now);
    assert.equal(await count(db, 'request_log', partner), 0, 'the raw rows are older than 30 days');
    const days = await db
      .selectFrom('request_rollups')
      .select('day')
      .where('tenant_id', '=', partner)
      .orderBy('day')
      .execute();
    assert.deepEqual(
      days.map((d) => d.day),
      [firstRollupDay(now), new Date(now - 40 * DAY_MS).toISOString().slice(0, 10)],
    );
    assert.equal(run.deleted.request_rollups, 1);
  });

  it("Retention: deletion in batches leaves the newer rows and other tenants' rows, and two instances at once delete each row once", async () => {
    const now = new FrozenClock().now();
    const fabrikam = await tenant(db, 'batched', now);
    const woodgrove = await tenant(db, 'neighbour', now);
    await setLogRetention(db, woodgrove, 60, now);
    for (let i = 0; i < 35; i += 1) await signIn(db, fabrikam, now - 31 * DAY_MS - i * 1_000);
    const kept = await Promise.all([0, 1, 2, 3, 4].map((i) => signIn(db, fabrikam, now - i * DAY_MS)));
    for (let i = 0; i < 6; i += 1) await signIn(db, woodgrove, now - 31 * DAY_MS - i * 1_000);
    const second = await store.other();
    try {
      // Batches of 10: four statements for 35 rows, raced by a second instance's run.
      const runs = await Promise.all([
        runRetention(db, store.kind, now, { batchRows: 10 }),
        runRetention(second.db, second.kind, now, { batchRows: 10 }),
      ]);
      assert.equal(runs[0]!.deleted.sign_ins + runs[1]!.deleted.sign_ins, 35);
    } finally {
      await second.db.destroy();
    }
    const left = await db.selectFrom('sign_ins').select('id').where('tenant_id', '=', fabrikam).execute();
    assert.deepEqual(left.map((r) => r.id).sort(), kept.sort());
    assert.equal(await count(db, 'sign_ins', woodgrove), 6, 'within its 60 days');
  });

  if (ON_POSTGRES) {
    it('Retention on PostgreSQL: the sign-in, service-principal and request logs have partitions for this month and the next', async () => {
      const now = Date.now();
      await runRetention(db, store.kind, now);
      for (const log of PARTITIONED_LOGS) {
        const months = await monthPartitions(db as unknown as Kysely<unknown>, log);
        assert.ok(months.includes(monthStart(now)), partitionName(log, monthStart(now)));
        assert.ok(months.includes(addMonths(now, 1)), partitionName(log, addMonths(now, 1)));
      }
      const { rows } = await sql<{ partition: string }>`select tableoid::regclass::text as partition
        from sign_ins where created_at = ${now}`.execute(db);
      assert.equal(rows.length, 0);
      await signIn(db, await tenant(db, 'partitioned', now), now);
      const placed = await sql<{ partition: string }>`select tableoid::regclass::text as partition
        from sign_ins where created_at = ${now}`.execute(db);
      assert.equal(placed.rows[0]?.partition, partitionName(SIGN_INS, monthStart(now)));
    });

    it('Retention on PostgreSQL: a month past every tenant’s window is dropped whole; a tenant with a longer window keeps it', async () => {
      const now = Date.now();
      // Months past the delegated evidence's 91-day floor too (DELEGATED_EVIDENCE_DAYS).
      const old = addMonths(now, -5);
      const oldest = addMonths(now, -6);
      const northwind = await tenant(db, 'northwind', now);
      const adatum = await tenant(db, 'adatum', now);
      await db.transaction().execute(async (trx) => {
        for (const month of [oldest, old])
          await ensureMonthPartition(trx as unknown as Kysely<unknown>, SIGN_INS, month);
      });
      await signIn(db, northwind, oldest + DAY_MS);
      await signIn(db, northwind, old + DAY_MS);
      await signIn(db, adatum, addMonths(now, -4) - DAY_MS);
      // Adatum's window ends between the ends of the two months: the later one is within it.
      const ageInDays = (month: number) => (now - addMonths(month, 1)) / DAY_MS;
      await setLogRetention(db, adatum, Math.floor((ageInDays(oldest) + ageInDays(old)) / 2), now);
      const run = await runRetention(db, store.kind, now);
      assert.ok(run.partitions?.dropped.includes(partitionName(SIGN_INS, oldest)));
      let months = await monthPartitions(db as unknown as Kysely<unknown>, SIGN_INS);
      assert.ok(!months.includes(oldest) && months.includes(old));
      assert.equal(
        await count(db, 'sign_ins', northwind),
        0,
        "Northwind's row of the kept month is deleted in batches",
      );
      assert.equal(await count(db, 'sign_ins', adatum), 1);
      await setLogRetention(db, adatum, null, now);
      await runRetention(db, store.kind, now);
      months = await monthPartitions(db as unknown as Kysely<unknown>, SIGN_INS);
      assert.ok(!months.includes(old), 'past everyone’s window now: dropped');
      assert.equal(await count(db, 'sign_ins', adatum), 0);
    });

    it('Retention on PostgreSQL: a row caught by the default partition moves into its month when the month is made', async () => {
      const now = Date.now();
      // Beyond the months the other tests' runs made ahead.
      const ahead = addMonths(now, 4);
      const tailspin = await tenant(db, 'tailspin', now);
      const id = await signIn(db, tailspin, ahead + 5_000);
      const run = await runRetention(db, store.kind, ahead + 10_000);
      assert.ok(run.partitions?.created.includes(partitionName(SIGN_INS, ahead)));
      const { rows } = await sql<{ partition: string }>`select tableoid::regclass::text as partition
        from sign_ins where id = ${id}`.execute(db);
      assert.equal(rows[0]?.partition, partitionName(SIGN_INS, ahead));
    });
  }
});

if (ON_POSTGRES)
  describe('Retention on PostgreSQL: the migration to monthly partitions', () => {
    it('Retention on PostgreSQL: migration 0043 keeps every row of the logs, in its month, and counts none twice in the rollups', async () => {
      const { url, drop } = await testDatabase('warden_partitioning');
      const older = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
      });
      const now = Date.now();
      const months = [addMonths(now, -5), addMonths(now, -2), monthStart(now)];
      let contoso: string;
      try {
        await migrateUpTo(older as unknown as Kysely<unknown>, '0042_log_retention');
        contoso = await tenant(older, 'converted', now);
        for (const month of months) {
          await signIn(older, contoso, month + DAY_MS);
          await servicePrincipalSignIn(older, contoso, month + DAY_MS);
          await request(older, contoso, month + DAY_MS);
        }
      } finally {
        await older.destroy();
      }
      const { db, applied } = await openDatabase({ databaseUrl: url, dataDir: tmpdir() });
      try {
        assert.equal(applied[0], '0043_monthly_log_partitions');
        for (const log of PARTITIONED_LOGS) {
          const { rows } = await sql<{ partition: string }>`select tableoid::regclass::text as partition
            from ${sql.id(log.table)} where tenant_id = ${contoso} order by ${sql.id(log.timeColumn)}`.execute(
            db,
          );
          assert.deepEqual(
            rows.map((r) => r.partition),
            months.map((m) => partitionName(log, m)),
          );
        }
        const rollups = await db
          .selectFrom('request_rollups')
          .select((eb) => eb.fn.sum<number>('total').as('total'))
          .where('tenant_id', '=', contoso)
          .executeTakeFirstOrThrow();
        assert.equal(Number(rollups.total), 3, 'the copy fired no rollup trigger');
        // The rollup trigger is on the new table: a request logged now is counted.
        await request(db, contoso, now);
        const after = await db
          .selectFrom('request_rollups')
          .select((eb) => eb.fn.sum<number>('total').as('total'))
          .where('tenant_id', '=', contoso)
          .executeTakeFirstOrThrow();
        assert.equal(Number(after.total), 4);
      } finally {
        await db.destroy();
        await drop();
      }
    });
  });
