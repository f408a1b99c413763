import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';

/**
 * The security requirements status (SPEC §11, reference §4.1), kept so that no report scans raw
 * request-log rows:
 * - `request_rollups`: per tenant, UTC day, surface, application and user, the counters of the
 *   requests logged, kept by the trigger `request_log_rollups` in the very statement that inserts
 *   request-log rows (atomic with it, whoever inserts). `app_id` and `user_id` are '' where the
 *   request had none, so the key has no nulls (a primary key cannot hold one on PostgreSQL).
 * - `daily_figures`: the figures A, B1 and B2 of each partner tenant for the 7 days ending with
 *   `day`; the key (tenant_id, day) lets the first instance that computes a day store it.
 * - `request_log_by_surface`: the most recent App+User requests of a tenant (GET
 *   /v1/partnerRequests) read newest first from this index instead of filtering the time index.
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('request_rollups')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('day', 'varchar(10)', (c) => c.notNull())
      .addColumn('surface', 'varchar(16)', (c) => c.notNull())
      .addColumn('app_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('user_principal_name', 'varchar(320)')
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('mfa_compliant', 'integer', (c) => c.notNull())
      .addColumn('under_exception', 'integer', (c) => c.notNull())
      .addColumn('last_request_at', 'bigint', (c) => c.notNull())
      .addColumn('last_non_mfa_at', 'bigint')
      .addPrimaryKeyConstraint('request_rollups_pk', ['tenant_id', 'day', 'surface', 'app_id', 'user_id'])
      // SQLite: the rows live in the key's B-tree, so an upsert writes one tree, not a table and an index.
      .$call((table) => (isPostgres(db) ? table : table.modifyEnd(sql`without rowid`)))
      .execute();
    await db.schema
      .createTable('daily_figures')
      .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('day', 'varchar(10)', (c) => c.notNull())
      .addColumn('window_start', 'varchar(10)', (c) => c.notNull())
      .addColumn('computed_at', 'bigint', (c) => c.notNull())
      .addColumn('a_numerator', 'integer', (c) => c.notNull())
      .addColumn('a_denominator', 'integer', (c) => c.notNull())
      .addColumn('b1_numerator', 'integer', (c) => c.notNull())
      .addColumn('b1_denominator', 'integer', (c) => c.notNull())
      .addColumn('b1_under_exception', 'integer', (c) => c.notNull())
      .addColumn('b2_numerator', 'integer', (c) => c.notNull())
      .addColumn('b2_denominator', 'integer', (c) => c.notNull())
      .addColumn('b2_under_exception', 'integer', (c) => c.notNull())
      .addColumn('reasons', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('daily_figures_pk', ['tenant_id', 'day'])
      .execute();
    // The operator's program page reads every partner's last days at once.
    await db.schema.createIndex('daily_figures_by_day').on('daily_figures').columns(['day']).execute();
    await createRollupTrigger(db);
    await db.schema
      .createIndex('request_log_by_surface')
      .on('request_log')
      .columns(['tenant_id', 'surface', 'occurred_at'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('request_log_by_surface').execute();
    if (isPostgres(db)) {
      await sql`drop trigger request_log_rollups on request_log`.execute(db);
      await sql`drop function request_log_rollups()`.execute(db);
    } else await sql`drop trigger request_log_rollups`.execute(db);
    await db.schema.dropIndex('daily_figures_by_day').execute();
    await db.schema.dropTable('daily_figures').execute();
    await db.schema.dropTable('request_rollups').execute();
  },
};

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/*
 * What one logged request adds to its rollup row (SPEC §11, §12): it counts in `total`; in
 * `mfa_compliant` only with the MFA proof and not admitted under an exception; its time is the
 * rollup's last, and its last without MFA unless it had the proof. The UTC day is computed with
 * integer division of the epoch milliseconds, exact at 23:59:59.999 and 00:00:00.000.
 * ON CONFLICT adds to the stored counters and keeps the later times (CASE, not MAX/GREATEST,
 * which treat nulls differently on the two databases); the UPN is the latest request's.
 */
const ON_CONFLICT = `on conflict (tenant_id, day, surface, app_id, user_id) do update set
  total = request_rollups.total + excluded.total,
  mfa_compliant = request_rollups.mfa_compliant + excluded.mfa_compliant,
  under_exception = request_rollups.under_exception + excluded.under_exception,
  user_principal_name = case when excluded.last_request_at >= request_rollups.last_request_at
    then coalesce(excluded.user_principal_name, request_rollups.user_principal_name)
    else request_rollups.user_principal_name end,
  last_request_at = case when excluded.last_request_at > request_rollups.last_request_at
    then excluded.last_request_at else request_rollups.last_request_at end,
  last_non_mfa_at = case
    when request_rollups.last_non_mfa_at is null then excluded.last_non_mfa_at
    when excluded.last_non_mfa_at is null then request_rollups.last_non_mfa_at
    when excluded.last_non_mfa_at > request_rollups.last_non_mfa_at then excluded.last_non_mfa_at
    else request_rollups.last_non_mfa_at end`;

const COLUMNS = `tenant_id, day, surface, app_id, user_id, user_principal_name, total, mfa_compliant,
  under_exception, last_request_at, last_non_mfa_at`;

/**
 * The rollups are kept by the database, in the statement that inserts the rows: a batch and its
 * counts are committed together or not at all, with no second statement or explicit transaction
 * per batch (which on SQLite cost about a third of a Partner API request's CPU: docs/benchmarks.md).
 * - PostgreSQL: once per INSERT statement, over its new rows (a transition table), summed by key
 *   and upserted in key order (byte order, `collate "C"`: the order RequestLog sorts a batch of
 *   several INSERTs in), so two instances adding to the same keys lock them in one order
 *   and cannot deadlock.
 * - SQLite: once per row (SQLite has no statement triggers); writers of one file are serialised
 *   by its lock.
 * Only the surfaces a figure or a download reads are rolled up: dashboard operations (B1) and
 * App+User Partner API requests (B2). App-only and Graph requests cost nothing here.
 */
async function createRollupTrigger(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql
      .raw(`create function request_log_rollups() returns trigger language plpgsql as $$
begin
  insert into request_rollups (${COLUMNS})
  select tenant_id, to_char(date '1970-01-01' + (occurred_at / 86400000)::integer, 'YYYY-MM-DD'),
    surface, coalesce(app_id, ''), coalesce(user_id, ''),
    (array_agg(user_principal_name order by occurred_at desc))[1],
    count(*),
    sum(case when mfa_compliant = 1 and under_exception = 0 then 1 else 0 end),
    sum(under_exception),
    max(occurred_at),
    max(case when mfa_compliant = 1 and under_exception = 0 then null else occurred_at end)
  from logged
  where surface in ('dashboard', 'api-app-user')
  group by 1, 2, 3, 4, 5
  order by tenant_id collate "C", 2, surface collate "C", coalesce(app_id, '') collate "C",
    coalesce(user_id, '') collate "C"
  ${ON_CONFLICT};
  return null;
end $$`)
      .execute(db);
    await sql`create trigger request_log_rollups after insert on request_log
      referencing new table as logged for each statement execute function request_log_rollups()`.execute(db);
    return;
  }
  await sql
    .raw(`create trigger request_log_rollups after insert on request_log
  when new.surface in ('dashboard', 'api-app-user') begin
  insert into request_rollups (${COLUMNS})
  values (new.tenant_id, date((new.occurred_at / 86400000) * 86400, 'unixepoch'), new.surface,
    coalesce(new.app_id, ''), coalesce(new.user_id, ''), new.user_principal_name, 1,
    case when new.mfa_compliant = 1 and new.under_exception = 0 then 1 else 0 end,
    new.under_exception, new.occurred_at,
    case when new.mfa_compliant = 1 and new.under_exception = 0 then null else new.occurred_at end)
  ${ON_CONFLICT};
end`)
    .execute(db);
}
