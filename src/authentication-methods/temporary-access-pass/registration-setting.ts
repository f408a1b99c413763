import type { Db } from '../../storage/database.ts';

/**
 * The tenant's setting (issue 15 item 2) that a FIRST MFA registration by a privileged user — a
 * holder of a role security defaults protect, or a partner agent group member — needs a Temporary
 * Access Pass (or an existing method) in that sign-in, not the password alone: whoever learned the
 * password of such an account before its owner registered would otherwise register their own
 * authenticator and own it. Off by default (no row), so a user registers at the first MFA prompt as
 * seed 003 describes; the policy decision reads it as a fact (policy/sign-in-requirement.ts).
 */
export async function firstRegistrationRequiresTap(db: Db, tenantId: string): Promise<boolean> {
  const row = await db
    .selectFrom('authentication_methods_policy')
    .select('first_registration_requires_tap')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return Number(row?.first_registration_requires_tap ?? 0) === 1;
}

export async function setFirstRegistrationRequiresTap(
  db: Db,
  tenantId: string,
  on: boolean,
  now: number,
): Promise<void> {
  await db
    .insertInto('authentication_methods_policy')
    .values({ tenant_id: tenantId, first_registration_requires_tap: on ? 1 : 0, updated_at: now })
    .onConflict((oc) =>
      oc.column('tenant_id').doUpdateSet({ first_registration_requires_tap: on ? 1 : 0, updated_at: now }),
    )
    .execute();
}
