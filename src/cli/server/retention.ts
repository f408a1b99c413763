import { loadConfig } from '../../config.ts';
import { findTenant } from '../../directory/tenants.ts';
import { type RetentionRun, runRetention } from '../../retention/retention-job.ts';
import { logRetentionOf, RetentionOutOfRange, setLogRetention } from '../../retention/windows.ts';
import { type Db, openDatabase } from '../../storage/database.ts';
import { RefusedError, UsageError } from '../errors.ts';

async function withDatabase<T>(work: (db: Db, kind: 'sqlite' | 'postgres') => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { db, kind } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await work(db, kind);
  } finally {
    await db.destroy();
  }
}

export interface RetentionSetting {
  tenantId: string;
  domain: string;
  days: number;
}

/** `warden retention set`: a tenant's own log retention, or back to the default (docs/retention.md). */
export function setRetention(tenant: string, days: string): Promise<RetentionSetting> {
  const value = days === 'default' ? null : Number(days);
  if (value !== null && !Number.isInteger(value))
    throw new UsageError(`--days takes whole days or "default", not ${days}.`);
  return withDatabase(async (db) => {
    const found = await findTenant(db, tenant);
    if (!found) throw new RefusedError(`No tenant ${tenant}.`, 'Name it by its id or its domain.');
    try {
      // Warden's clock: the server's own is the system clock, so is this command's.
      await setLogRetention(db, found.id, value, Date.now());
    } catch (error) {
      if (error instanceof RetentionOutOfRange) throw new UsageError(error.message);
      throw error;
    }
    return { tenantId: found.id, domain: found.domain, days: await logRetentionOf(db, found.id) };
  });
}

/** `warden retention run`: applies retention now, as the server does hourly. */
export function applyRetention(): Promise<RetentionRun> {
  return withDatabase((db, kind) => runRetention(db, kind, Date.now()));
}
