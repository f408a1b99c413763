import type { Db } from '../storage/database.ts';

export interface MethodSummary {
  totp: { id: string; displayName: string; createdAt: number }[];
  recoveryCodesRemaining: number;
}

/** What a user has registered. Recovery codes alone do not count as a registered MFA method. */
export async function methodsOf(db: Db, tenantId: string, userId: string): Promise<MethodSummary> {
  const [totp, codes] = await Promise.all([
    db
      .selectFrom('auth_methods')
      .select(['id', 'display_name', 'created_at'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .execute(),
    db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    totp: totp.map((m) => ({ id: m.id, displayName: m.display_name, createdAt: m.created_at })),
    recoveryCodesRemaining: Number(codes.n),
  };
}

export function hasMfaMethod(methods: MethodSummary): boolean {
  return methods.totp.length > 0;
}
