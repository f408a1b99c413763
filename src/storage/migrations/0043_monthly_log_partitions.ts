import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely';
import {
  addMonths,
  defaultPartitionName,
  ensureMonthPartition,
  monthStart,
  PARTITIONED_LOGS,
  type PartitionedLog,
} from '../monthly-partitions.ts';

/**
 * Issue 16 item 4 (docs/retention.md): on PostgreSQL, `sign_ins`, `service_principal_sign_ins`
 * and `request_log` become tables partitioned by UTC month on their time column, keeping their
 * rows: each is renamed, a partitioned table of the same columns takes its name, with a partition
 * for every month its rows span up to next month and a default partition, the rows are copied,
 * the old table dropped, and its indexes and triggers (request_log's rollup trigger, 0023) made
 * again on the new one — after the copy, so the copy is not counted in the rollups twice and the
 * indexes are built once rather than row by row.
 * A partitioned table's primary key must hold the partition key: it becomes (…, time column).
 * Nothing references these tables and nothing relies on the old key (ids are random UUIDs).
 * `audit_events` stays a plain table: a few rows per administrator action, deleted in batches.
 * SQLite: nothing to do (plain tables, deleted in batches).
 */
export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    for (const log of PARTITIONED_LOGS) await partition(db, log);
  },
};

async function partition(db: Kysely<unknown>, log: PartitionedLog): Promise<void> {
  const old = `${log.table}_unpartitioned`;
  const table = sql.id(log.table);
  const time = sql.id(log.timeColumn);
  const { rows: key } = await sql<{ column: string }>`select a.attname as column
    from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = to_regclass(${log.table}) and i.indisprimary
    order by array_position(i.indkey, a.attnum)`.execute(db);
  const { rows: indexes } = await sql<{ name: string; definition: string }>`select
    indexname as name, indexdef as definition from pg_indexes
    where tablename = ${log.table} and schemaname = current_schema()
    and indexname not in (select conname from pg_constraint where contype = 'p')`.execute(db);
  const { rows: triggers } = await sql<{ definition: string }>`select
    pg_get_triggerdef(oid) as definition from pg_trigger
    where tgrelid = to_regclass(${log.table}) and not tgisinternal`.execute(db);
  if (indexes.some((i) => /^CREATE UNIQUE/i.test(i.definition)))
    throw new Error(`${log.table} has a unique index without ${log.timeColumn}: it cannot be partitioned`);
  const { rows: span } = await sql<{ first: number | null }>`select min(${time}) as first
    from ${table}`.execute(db);

  await sql`alter table ${table} rename to ${sql.id(old)}`.execute(db);
  await sql`create table ${table} (like ${sql.id(old)} including defaults)
    partition by range (${time})`.execute(db);
  await sql`create table ${sql.id(defaultPartitionName(log))} partition of ${table} default`.execute(db);
  const now = Date.now();
  const first = span[0]?.first;
  for (
    // No further back than the longest window a tenant may set (two years): an odd old row (a time
    // of 0, a clock set wrong) goes to the default partition instead of making hundreds of months.
    let month = monthStart(Math.max(Math.min(first ?? now, now), addMonths(now, -25)));
    month <= addMonths(now, 1);
    month = addMonths(month, 1)
  )
    await ensureMonthPartition(db, log, month);
  // Rows dated after next month (a clock set ahead) land in the default partition.
  await sql`insert into ${table} select * from ${sql.id(old)}`.execute(db);
  await sql`drop table ${sql.id(old)}`.execute(db);

  const keyColumns = [...key.map((k) => k.column), log.timeColumn];
  await sql`alter table ${table} add constraint ${sql.id(`${log.table}_pk`)}
    primary key (${sql.join(keyColumns.map((c) => sql.id(c)))})`.execute(db);
  for (const index of indexes) await sql.raw(index.definition).execute(db);
  // Read before the rename, the definitions name the table by its name: now the partitioned one.
  for (const trigger of triggers) await sql.raw(trigger.definition).execute(db);
}
