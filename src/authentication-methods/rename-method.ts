import type { User } from '../directory/users.ts';
import type { Db } from '../storage/database.ts';
import { MethodChangeError, requireFreshMfa, type SessionProof } from './manage.ts';

/** Graph's `displayName` of a method: what a person typed, trimmed, at most this long. */
export const DISPLAY_NAME_MAX = 64;

/**
 * Renames one of the user's own methods (an authenticator app or a passkey), for a session with
 * fresh MFA. Only the user's row in the user's tenant is touched; a name that is empty, too long
 * or holds control characters is refused.
 */
export async function renameMethod(
  db: Db,
  user: User,
  proof: SessionProof,
  methodId: string,
  displayName: string,
  now: number,
): Promise<void> {
  requireFreshMfa(proof, now);
  const name = displayName.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
  if (name.length === 0 || name.length > DISPLAY_NAME_MAX || /[\u0000-\u001f\u007f]/.test(name))
    throw new MethodChangeError('InvalidDisplayName', `A name has 1 to ${DISPLAY_NAME_MAX} characters.`);
  for (const table of ['auth_methods', 'passkey_credentials'] as const) {
    const result = await db
      .updateTable(table)
      .set({ display_name: name })
      .where('tenant_id', '=', user.tenantId)
      .where('user_id', '=', user.id)
      .where('id', '=', methodId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return;
  }
  throw new MethodChangeError('MethodNotFound', 'No such method.');
}
