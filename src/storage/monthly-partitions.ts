import { type Kysely, sql } from 'kysely';

/**
 * Issue 16 item 4 (docs/retention.md): on PostgreSQL the large logs are partitioned by UTC month
 * on their time column (epoch ms), so a month older than every tenant's retention is dropped as a
 * whole instead of deleted row by row. Each has a default partition that catches a row whose month
 * has no partition (a clock moved far, an import of old rows): a write is never refused for that.
 * SQLite keeps plain tables. Used by migration 0043 and by the retention job (src/retention/).
 */
export interface PartitionedLog {
  table: 'sign_ins' | 'service_principal_sign_ins' | 'request_log';
  timeColumn: 'created_at' | 'occurred_at';
}

export const PARTITIONED_LOGS: readonly PartitionedLog[] = [
  { table: 'sign_ins', timeColumn: 'created_at' },
  { table: 'service_principal_sign_ins', timeColumn: 'created_at' },
  { table: 'request_log', timeColumn: 'occurred_at' },
];

/** Midnight UTC of the first day of the month of `ms`. */
export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The start of the month `n` months after the month of `ms` (before it when negative). */
export function addMonths(ms: number, n: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

/** `sign_ins_p202612`: the partition of December 2026. */
export function partitionName(log: PartitionedLog, month: number): string {
  const d = new Date(month);
  return `${log.table}_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function defaultPartitionName(log: PartitionedLog): string {
  return `${log.table}_default`;
}

const NAME = /_p(\d{4})(\d{2})$/;

/** The months (their starts) that have a partition of their own, oldest first. */
export async function monthPartitions(db: Kysely<unknown>, log: PartitionedLog): Promise<number[]> {
  const { rows } = await sql<{ name: string }>`select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid where i.inhparent = to_regclass(${log.table})`.execute(db);
  const months: number[] = [];
  for (const { name } of rows) {
    const m = NAME.exec(name);
    if (m) months.push(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  }
  return months.sort((a, b) => a - b);
}

/**
 * Gives `month` its partition unless it has one; true when this call made it. Made as a table of
 * its own and then attached: ATTACH takes a lock on the parent that lets reads and writes go on,
 * where CREATE TABLE … PARTITION OF would stop them. Rows of that month already caught by the
 * default partition are moved into it first (in the caller's transaction, so none is lost or seen
 * twice). Run in a transaction; the caller serialises instances (retention job: an advisory lock).
 */
export async function ensureMonthPartition(
  trx: Kysely<unknown>,
  log: PartitionedLog,
  month: number,
): Promise<boolean> {
  const name = partitionName(log, month);
  const { rows } = await sql<{ found: string | null }>`select to_regclass(${name})::text as found`.execute(
    trx,
  );
  if (rows[0]?.found) return false;
  const from = month;
  const to = addMonths(month, 1);
  const table = sql.id(log.table);
  const partition = sql.id(name);
  const time = sql.id(log.timeColumn);
  await sql`create table ${partition} (like ${table} including defaults including constraints)`.execute(trx);
  // The bound as a CHECK first: ATTACH then knows every row fits without scanning the table.
  await sql`alter table ${partition} add constraint ${sql.id(`${name}_range`)}
    check (${time} >= ${sql.lit(from)} and ${time} < ${sql.lit(to)})`.execute(trx);
  const fallback = sql.id(defaultPartitionName(log));
  await sql`with moved as (delete from ${fallback}
      where ${time} >= ${sql.lit(from)} and ${time} < ${sql.lit(to)} returning *)
    insert into ${partition} select * from moved`.execute(trx);
  await sql`alter table ${table} attach partition ${partition}
    for values from (${sql.lit(from)}) to (${sql.lit(to)})`.execute(trx);
  await sql`alter table ${partition} drop constraint ${sql.id(`${name}_range`)}`.execute(trx);
  return true;
}

/**
 * Detaches the partition of `month` from its log (retention: the month is past every window), in
 * the caller's transaction. Only the catalogue changes, so the parent's lock is held for
 * moments; the rows and their files go with dropDetachedMonth afterwards, with no lock on the
 * parent (removing gigabytes of files under it held writers up for a second a month).
 */
export async function detachMonthPartition(
  trx: Kysely<unknown>,
  log: PartitionedLog,
  month: number,
): Promise<void> {
  await sql`alter table ${sql.id(log.table)} detach partition ${sql.id(partitionName(log, month))}`.execute(
    trx,
  );
}

/** Drops a month table detached from `log`. */
export async function dropDetachedMonth(
  db: Kysely<unknown>,
  log: PartitionedLog,
  month: number,
): Promise<void> {
  await sql`drop table if exists ${sql.id(partitionName(log, month))}`.execute(db);
}

/**
 * Month tables of `log` that are no partition of it: detached by a run that stopped before it
 * dropped them (a month table is attached in the transaction that makes it, so nothing else is).
 */
export async function detachedMonths(db: Kysely<unknown>, log: PartitionedLog): Promise<number[]> {
  const { rows } = await sql<{ name: string }>`select c.relname as name from pg_class c
    where c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace
    and c.relname ~ ${`^${log.table}_p[0-9]{6}$`}
    and not exists (select 1 from pg_inherits i where i.inhrelid = c.oid)`.execute(db);
  const months: number[] = [];
  for (const { name } of rows) {
    const m = NAME.exec(name);
    if (m) months.push(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  }
  return months.sort((a, b) => a - b);
}
