import { createHash } from 'node:crypto';
import type { Db } from '../storage/database.ts';
import type { RequestLogTable } from '../storage/schema.ts';

/**
 * How a raw request-log row is hashed for evidence (issue 14 item 7): SHA-256 (base64url) of the
 * JSON array of these columns, in this order, numbers as numbers and absent values as null. The
 * order is part of the evidence format (`rowHash.columns` in every export), so a verifier can
 * recompute a hash from a row without Warden's code.
 */
export const HASHED_COLUMNS = [
  'id',
  'tenant_id',
  'occurred_at',
  'surface',
  'operation',
  'user_id',
  'user_principal_name',
  'app_id',
  'mfa_compliant',
  'under_exception',
  'outcome',
  'status_code',
  'correlation_id',
  'request_id',
  'ip_address',
  'customer_tenant_id',
  'delegated_access',
] as const satisfies readonly (keyof RequestLogTable)[];

/** The surfaces whose rows make figures B1 (dashboard) and B2 (App+User Partner API): SPEC §11. */
export const FIGURE_SURFACES = [
  'dashboard',
  'api-app-user',
] as const satisfies readonly RequestLogTable['surface'][];

type HashedRow = Pick<RequestLogTable, (typeof HASHED_COLUMNS)[number]>;

/** Drivers differ in how they return numbers (PostgreSQL's bigint comes back as a string). */
const NUMERIC: ReadonlySet<string> = new Set([
  'occurred_at',
  'mfa_compliant',
  'under_exception',
  'status_code',
]);

export function rowHash(row: HashedRow): string {
  const values = HASHED_COLUMNS.map((column) => {
    const value = row[column] ?? null;
    return value !== null && NUMERIC.has(column) ? Number(value) : value;
  });
  return createHash('sha256').update(JSON.stringify(values)).digest('base64url');
}

export interface HashedRequest {
  id: string;
  sha256: string;
  surface: 'dashboard' | 'api-app-user';
  mfaCompliant: boolean;
  underException: boolean;
}

/**
 * The rows behind a tenant's B1 and B2 in `[startMs, endMs)`, each with its hash, in a stable order
 * (time, then id). Tenant-scoped; read through the (tenant_id, occurred_at) index.
 */
export async function hashedRequests(
  db: Db,
  tenantId: string,
  window: { startMs: number; endMs: number },
): Promise<HashedRequest[]> {
  const rows = await db
    .selectFrom('request_log')
    .select([...HASHED_COLUMNS])
    .where('tenant_id', '=', tenantId)
    .where('occurred_at', '>=', window.startMs)
    .where('occurred_at', '<', window.endMs)
    .where('surface', 'in', [...FIGURE_SURFACES])
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    sha256: rowHash(row),
    surface: row.surface as HashedRequest['surface'],
    mfaCompliant: Number(row.mfa_compliant) === 1,
    underException: Number(row.under_exception) === 1,
  }));
}

/** One digest over a list of row hashes (in the list's order): what the document's `digest` states. */
export function digestOf(hashes: readonly string[]): string {
  const hash = createHash('sha256');
  for (const h of hashes) hash.update(h).update('\n');
  return hash.digest('base64url');
}
