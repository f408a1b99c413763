import type { Db } from '../storage/database.ts';

/**
 * How many different methods a self-service password reset needs: the tenant's setting
 * (`authentication_methods_policy.sspr_methods_required`, 1 or 2; no row: 2), and always 2 for a
 * holder of a directory role (Entra's administrator SSPR policy: two gates, whatever the tenant
 * allows its users).
 */
export async function methodsRequired(
  db: Db,
  tenantId: string,
  user?: { directoryRoles: readonly string[] },
): Promise<number> {
  if (user && user.directoryRoles.length > 0) return 2;
  const row = await db
    .selectFrom('authentication_methods_policy')
    .select('sspr_methods_required')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return Math.max(1, Math.min(2, row?.sspr_methods_required ?? 2));
}
