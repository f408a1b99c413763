import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { MethodChangeError, requireUnchangedAccount } from '../authentication-methods/manage.ts';
import {
  issuePasskeyChallenge,
  takePasskeyChallenge,
} from '../authentication-methods/passkeys/challenges.ts';
import { PasskeyError } from '../authentication-methods/passkeys/errors.ts';
import { postedWebAuthnResponse } from '../authentication-methods/passkeys/posted-response.ts';
import {
  passkeyCreationOptions,
  passkeyOwnerOf,
  type RegisteredPasskey,
  registerPasskey,
} from '../authentication-methods/passkeys/registration.ts';
import { type RelyingParty, relyingPartyOf } from '../authentication-methods/passkeys/relying-party.ts';
import { passkeySettings } from '../authentication-methods/passkeys/settings.ts';
import type { WardenContext } from '../context.ts';
import type { Tenant } from '../directory/tenants.ts';
import { lockUserRow, type User } from '../directory/users.ts';
import type { PasskeyCeremony } from '../http/passkey-form.ts';
import type { DashboardSession } from '../relying-party/sessions.ts';
import { type Db, inTransaction } from '../storage/database.ts';

/** The session's open challenge (passkeys/challenges.ts): one page of one session answers it. */
function holderOf(session: DashboardSession): string {
  return `security-info:${session.idHash}`;
}

function relyingParty(ctx: WardenContext, tenant: Tenant): RelyingParty {
  return relyingPartyOf(ctx.config, tenant.display_name);
}

/** The options of the page's "Add a passkey" ceremony, on a fresh challenge of this session. */
export async function addPasskeyCeremony(
  ctx: WardenContext,
  tenant: Tenant,
  user: User,
  session: DashboardSession,
): Promise<PasskeyCeremony> {
  const now = ctx.clock.now();
  const challenge = await issuePasskeyChallenge(ctx.db, tenant.id, holderOf(session), now);
  const settings = await passkeySettings(ctx.db, tenant.id);
  return {
    options: await passkeyCreationOptions(
      ctx.db,
      relyingParty(ctx, tenant),
      passkeyOwnerOf(user),
      settings,
      challenge,
    ),
  };
}

/**
 * Registers the passkey the page's ceremony made (issue 15 item 3), on this session's challenge,
 * under the tenant's rules (attestation, key restrictions: registration.ts), in one transaction
 * under the user's row lock with `alongside` (the audit record), while the session and the account
 * still stand. Throws PasskeyError, or MethodChangeError FreshMfaRequired (sign in again).
 */
export async function addPasskey(
  ctx: WardenContext,
  tenant: Tenant,
  user: User,
  session: DashboardSession,
  posted: string,
  alongside: (trx: Db, added: RegisteredPasskey) => Promise<void>,
): Promise<RegisteredPasskey> {
  const now = ctx.clock.now();
  const challenge = await takePasskeyChallenge(ctx.db, tenant.id, holderOf(session), now);
  if (!challenge)
    throw new PasskeyError(
      'PasskeyChallengeUsed',
      'This passkey request was already used or has expired. Try again.',
    );
  const response = postedWebAuthnResponse<RegistrationResponseJSON>(posted);
  if (!response)
    throw new PasskeyError('PasskeyNotVerified', 'The passkey could not be verified. Try again.');
  const settings = await passkeySettings(ctx.db, tenant.id);
  return inTransaction(ctx.db, async (trx) => {
    await lockUserRow(trx, ctx.dbKind, tenant.id, user.id);
    await requireSessionStands(trx, session);
    await requireUnchangedAccount(trx, user);
    const added = await registerPasskey(
      trx,
      relyingParty(ctx, tenant),
      passkeyOwnerOf(user),
      settings,
      challenge,
      response,
      now,
    );
    await alongside(trx, added);
    return added;
  });
}

/**
 * The session is still there (not ended by a password change, a reset or re-registration since
 * this request was checked): read under the user's row lock, so an add cannot land after them.
 */
export async function requireSessionStands(trx: Db, session: DashboardSession): Promise<void> {
  const row = await trx
    .selectFrom('dashboard_sessions')
    .select('id_hash')
    .where('id_hash', '=', session.idHash)
    .executeTakeFirst();
  if (!row) throw new MethodChangeError('FreshMfaRequired', 'You were signed out meanwhile: sign in again.');
}
