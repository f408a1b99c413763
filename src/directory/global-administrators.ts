import type { Db } from '../storage/database.ts';
import { DirectoryError } from './directory-error.ts';
import type { User } from './users.ts';

const GLOBAL = 'Global Administrator';

/**
 * Serialises directory changes that could remove a tenant's last Global Administrator. A no-op
 * UPDATE of the tenant row takes its row lock on PostgreSQL (held until the transaction ends, so
 * two such changes in one tenant run one after the other) and the write lock on SQLite (which
 * serialises writers anyway). Must run inside the transaction that makes the change.
 */
export async function lockTenantDirectory(trx: Db, tenantId: string): Promise<void> {
  if (!trx.isTransaction) throw new Error('lockTenantDirectory needs a transaction');
  await trx
    .updateTable('tenants')
    .set((eb) => ({ security_defaults: eb.ref('security_defaults') }))
    .where('id', '=', tenantId)
    .execute();
}

/** Whether the user counts as one of the tenant's Global Administrators (enabled, holding the role). */
export function isEnabledGlobalAdministrator(user: Pick<User, 'accountEnabled' | 'directoryRoles'>): boolean {
  return user.accountEnabled && user.directoryRoles.includes(GLOBAL);
}

/**
 * Refuses a change that leaves the tenant without an enabled Global Administrator: removing the
 * role of, disabling or deleting `userId` when no other enabled Global Administrator remains.
 * Call after `lockTenantDirectory` in the same transaction, so the count cannot go stale.
 */
export async function assertAnotherGlobalAdministrator(
  trx: Db,
  tenantId: string,
  userId: string,
): Promise<void> {
  const others = await trx
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '!=', userId)
    .where('account_enabled', '=', 1)
    // directory_roles is a JSON array of role names; the quoted name matches one whole element.
    .where('directory_roles', 'like', `%${JSON.stringify(GLOBAL)}%`)
    .limit(1)
    .execute();
  if (others.length === 0) {
    throw new DirectoryError(
      'last_global_admin',
      'This is the last enabled Global Administrator of the tenant: assign the role to another enabled user first.',
    );
  }
}
