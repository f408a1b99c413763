import QRCode from 'qrcode';
import { recordAuditEvent } from '../audit/audit-events.ts';
import { changeOwnPassword } from '../authentication-methods/change-password.ts';
import { addAuthenticatorApp, MethodChangeError, removeOwnMethod } from '../authentication-methods/manage.ts';
import { methodsOf } from '../authentication-methods/methods.ts';
import { PasskeyError } from '../authentication-methods/passkeys/errors.ts';
import { renameMethod } from '../authentication-methods/rename-method.ts';
import { newTotpSecret, totpFor } from '../authentication-methods/totp.ts';
import type { WardenContext } from '../context.ts';
import type { Tenant } from '../directory/tenants.ts';
import type { User } from '../directory/users.ts';
import type { SecurityInfoErrorCode } from '../errors/security-info-errors.ts';
import type { DashboardSession } from '../relying-party/sessions.ts';
import type { Db } from '../storage/database.ts';
import { errorOf, type PageNotes } from './page.ts';
import { addPasskey, requireSessionStands } from './passkeys.ts';
import { FRESH_MFA_PASSKEY_MS, isFresh, proofOf } from './session.ts';

/** What an action leads to: the page again with notes, another page, or a new session to set. */
export type Outcome =
  | { kind: 'page'; status: number; notes: PageNotes }
  | {
      kind: 'addApp';
      status: number;
      setup: { qrDataUrl: string; secret: string; sealed: string };
      error?: PageNotes['error'];
    }
  | { kind: 'confirmRemoval'; methodId: string }
  | { kind: 'passwordChanged' }
  /**
   * The MFA stopped being fresh between the routes' check and the change, or is older than the
   * change asks (a passkey: 5 minutes): through the authority again, within `maxAgeMs`.
   */
  | { kind: 'signInAgain'; maxAgeMs?: number };

export interface ActionInput {
  ctx: WardenContext;
  tenant: Tenant;
  user: User;
  session: DashboardSession;
  form: Record<string, string>;
}

const SETUP_TTL_MS = 10 * 60 * 1000;
const setupContext = (user: User) => `security-info-totp:${user.tenantId}:${user.id}`;

const ERROR_CODES: Record<Exclude<MethodChangeError['code'], 'FreshMfaRequired'>, SecurityInfoErrorCode> = {
  LastMethodMandated: 'last_method_mandated',
  MethodNotFound: 'method_not_found',
  InvalidCode: 'invalid_code',
  InvalidDisplayName: 'invalid_display_name',
  LastPhishingResistantMethod: 'last_phishing_resistant_method',
};

function refused(code: SecurityInfoErrorCode, status: number, message?: string): Outcome {
  return { kind: 'page', status, notes: { error: errorOf(code, message) } };
}

/** The change's audit event; `db` is the change's own transaction where it has one. */
async function audit(
  input: ActionInput,
  activity: string,
  details: Record<string, unknown>,
  db: Db = input.ctx.db,
): Promise<void> {
  const { ctx, user } = input;
  await recordAuditEvent(
    db,
    [user.tenantId],
    {
      category: 'UserManagement',
      activity,
      actor: { tenantId: user.tenantId, userId: user.id, appId: null, name: user.userPrincipalName },
      target: { type: 'user', id: user.id, name: user.userPrincipalName },
      details: { result: 'success', via: 'securityInfo', ...details },
    },
    ctx.clock.now(),
  );
}

async function newSetup(input: ActionInput, secret: string) {
  const uri = totpFor(secret, input.user.userPrincipalName, 'Warden').toString();
  const sealed = input.ctx.secrets.seal(
    JSON.stringify({ secret, expiresAt: input.ctx.clock.now() + SETUP_TTL_MS }),
    setupContext(input.user),
  );
  return { qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 200 }), secret, sealed };
}

function openSetup(input: ActionInput): string | undefined {
  try {
    const setup = JSON.parse(input.ctx.secrets.open(input.form.setup ?? '', setupContext(input.user)));
    return setup.expiresAt > input.ctx.clock.now() ? String(setup.secret) : undefined;
  } catch {
    return undefined;
  }
}

/** One posted change of the page, for a session whose MFA is fresh (the routes checked). */
export async function runAction(input: ActionInput): Promise<Outcome> {
  const { ctx, tenant, user, session, form } = input;
  const proof = proofOf(session);
  try {
    switch (form.action) {
      case 'add_passkey': {
        // Reference §3.4: a passkey is registered within 5 minutes of the MFA.
        if (!isFresh(session, ctx.clock.now(), FRESH_MFA_PASSKEY_MS))
          return { kind: 'signInAgain', maxAgeMs: FRESH_MFA_PASSKEY_MS };
        try {
          const added = await addPasskey(ctx, tenant, user, session, form.credential ?? '', (trx, key) =>
            audit(
              input,
              'User registered security info',
              { method: 'passkey', methodId: key.id, aaGuid: key.aaguid },
              trx,
            ),
          );
          return { kind: 'page', status: 200, notes: { notice: `${added.displayName} added.` } };
        } catch (error) {
          if (error instanceof PasskeyError) return refused('passkey_refused', 400, error.message);
          throw error;
        }
      }
      // The page's "verify it's you" before a passkey (page.ts): a sign-in fresh enough for one.
      case 'verify_for_passkey':
        if (isFresh(session, ctx.clock.now(), FRESH_MFA_PASSKEY_MS))
          return { kind: 'page', status: 200, notes: {} };
        return { kind: 'signInAgain', maxAgeMs: FRESH_MFA_PASSKEY_MS };
      case 'add_app_begin':
        return { kind: 'addApp', status: 200, setup: await newSetup(input, newTotpSecret()) };
      case 'add_app_confirm': {
        const secret = openSetup(input);
        if (!secret) return refused('invalid_code', 400, 'This setup expired. Start adding the app again.');
        try {
          await addAuthenticatorApp(ctx, user, proof, secret, (form.code ?? '').trim(), async (trx, id) => {
            await requireSessionStands(trx, session);
            await audit(input, 'User registered security info', { method: 'totp', methodId: id }, trx);
          });
          return { kind: 'page', status: 200, notes: { notice: 'Authenticator app added.' } };
        } catch (error) {
          if (error instanceof MethodChangeError && error.code === 'InvalidCode')
            return {
              kind: 'addApp',
              status: 400,
              setup: await newSetup(input, secret),
              error: errorOf('invalid_code'),
            };
          throw error;
        }
      }
      case 'rename': {
        const name = (form.displayName ?? '').slice(0, 256);
        await renameMethod(ctx.db, user, proof, form.methodId ?? '', name, ctx.clock.now());
        await audit(input, 'User updated security info', {
          methodId: form.methodId,
          displayName: name.trim(),
        });
        return { kind: 'page', status: 200, notes: { notice: 'Method renamed.' } };
      }
      case 'remove': {
        try {
          const id = form.methodId ?? '';
          const { passkeys } = await methodsOf(ctx.db, user.tenantId, user.id);
          const kind = passkeys.some((passkey) => passkey.id === id) ? 'fido2' : 'softwareOath';
          const removed = await removeOwnMethod(
            ctx,
            tenant,
            user,
            proof,
            { kind, id },
            form.confirm === 'yes',
            // In the removal's transaction: no removal without its record.
            (trx, gone) =>
              audit(
                input,
                'User deleted security info',
                { method: gone.kind === 'fido2' ? 'passkey' : 'totp', methodId: gone.id },
                trx,
              ),
          );
          return { kind: 'page', status: 200, notes: { notice: `${removed.displayName} removed.` } };
        } catch (error) {
          if (error instanceof MethodChangeError && error.code === 'LastPhishingResistantMethod')
            return { kind: 'confirmRemoval', methodId: form.methodId ?? '' };
          throw error;
        }
      }
      case 'regenerate_codes': {
        const codes = await ctx.recoveryCodes.regenerate(ctx.db, user.tenantId, user.id, ctx.clock.now());
        await audit(input, 'User regenerated recovery codes', { count: codes.length });
        return {
          kind: 'page',
          status: 200,
          notes: { newCodes: codes, notice: 'New recovery codes generated; the old ones no longer work.' },
        };
      }
      case 'change_password': {
        const next = form.newPassword ?? '';
        if (next !== (form.confirmPassword ?? ''))
          return refused('password_policy', 400, 'The two new passwords do not match.');
        const outcome = await changeOwnPassword(ctx, user, proof, {
          current: form.currentPassword ?? '',
          next,
        });
        if (!outcome.ok)
          return outcome.code === 'WrongPassword'
            ? refused('wrong_password', 400)
            : outcome.code === 'Throttled'
              ? refused('throttled', 429)
              : refused('password_policy', 400, outcome.message);
        return { kind: 'passwordChanged' };
      }
      default:
        return refused('csrf_refused', 400, 'Unknown action.');
    }
  } catch (error) {
    if (error instanceof MethodChangeError) {
      if (error.code === 'FreshMfaRequired') return { kind: 'signInAgain' };
      const code = ERROR_CODES[error.code];
      const status = code === 'method_not_found' ? 404 : code.startsWith('last_') ? 409 : 400;
      return refused(code, status, error.message);
    }
    throw error;
  }
}
