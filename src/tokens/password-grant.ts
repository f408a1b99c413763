import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import { isPartnerOf } from '../delegated-admin/partner-of.ts';
import { findTenant, type Tenant } from '../directory/tenants.ts';
import { findUserByUpn, type User } from '../directory/users.ts';
import { MFA_ACR } from '../policy/acr.ts';
import { recordSignIn, type SignInCounter } from '../sign-in-logs/sign-in-log.ts';
import type { Db } from '../storage/database.ts';
import type { ProviderMiddleware } from './device-polling.ts';
import { answerEntraTokenError } from './entra-token-error.ts';

/** RFC 6749 §4.3.2: the resource owner password credentials grant ("ROPC"). */
export const PASSWORD_GRANT = 'password';

/**
 * The claims challenge of the answer (RFC 9470's idea, Entra's `claims` field): the MFA acr as an
 * essential claim. `id_token` is the member Warden's authorization endpoint reads (OIDC Core
 * §5.5.1.1, policy/step-up.ts), so a client that hands the string back as `claims` gets an MFA
 * sign-in; `access_token` is where Entra puts its own (`capolids`, `acrs`).
 */
export const MFA_CLAIMS_CHALLENGE = JSON.stringify({
  access_token: { acr: { essential: true, values: [MFA_ACR] } },
  id_token: { acr: { essential: true, values: [MFA_ACR] } },
});

/**
 * SPEC E3: a password sent without a browser can never satisfy MFA, so the password grant is
 * answered as Entra answers it when MFA is required — AADSTS50076 — at every authority, for every
 * account, and never issues a token. oidc-provider (unforked) has no password grant: it
 * authenticates the client (an unknown or unauthenticated client still gets `invalid_client`, as
 * Entra validates the client first), then refuses the grant as `unsupported_grant_type`; this
 * middleware turns that refusal into the 50076 answer and writes the sign-in log row.
 *
 * The password is never checked: the answer is the same whether the account exists or the password
 * is right (no oracle, nothing to throttle). The row is written for the account the username names
 * (docs/ropc.md says which), and for a name that names none under the name typed, as the
 * interactive sign-in logs it: the answer waits for the row, so writing one only for accounts that
 * exist would tell them apart by the time the answer takes.
 */
export function passwordGrantRefusal(
  db: Db,
  tenant: Tenant,
  clock: Clock,
  counter?: SignInCounter,
): ProviderMiddleware {
  return async (ctx, next) => {
    await next();
    const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
    const body = ctx.body as { error?: unknown } | undefined;
    if (oidc?.route !== 'token' || oidc.params?.grant_type !== PASSWORD_GRANT) return;
    if (body?.error !== 'unsupported_grant_type' || !oidc.client) return;

    const now = clock.now();
    const correlationId = answerEntraTokenError(ctx, now, {
      error: 'invalid_grant',
      code: 50076,
      message:
        'Multi-factor authentication is required, and a password sent without a browser ' +
        '(the resource owner password credentials grant) cannot satisfy it. Sign in interactively ' +
        '(authorization code or device code flow).',
      // MSAL reads `basic_action` as "interaction required" and hands the claims to the app.
      suberror: 'basic_action',
      claims: MFA_CLAIMS_CHALLENGE,
    });

    const username = usernameOf(oidc.body);
    if (username === undefined) return; // no name: nothing to learn, nobody to log
    try {
      const user = await namedAccount(db, tenant, username);
      await recordSignIn(db, {
        resourceTenantId: tenant.id,
        homeTenantId: user?.tenantId ?? null,
        userId: user?.id ?? null,
        userPrincipalName: user?.userPrincipalName ?? username,
        appId: oidc.client.clientId,
        ipAddress: ctx.ip,
        clientAppUsed: 'Mobile Apps and Desktop clients',
        isInteractive: false,
        errorCode: 50076,
        failureReason:
          'MfaRequiredNonInteractive: the password grant (ROPC) cannot satisfy multi-factor authentication',
        authenticationRequirement: 'multiFactorAuthentication',
        requirementPolicy: null,
        steps: [
          {
            authenticationMethod: 'Password',
            succeeded: false,
            authenticationStepDateTime: new Date(now).toISOString(),
            authenticationStepResultDetail: 'ROPC: refused before the password was checked',
          },
        ],
        correlationId,
        createdAt: now,
      });
      counter?.signIn(50076, false);
    } catch (err) {
      // Logged by the authority's listener; a database that does not answer turns the 400 into a 503.
      ctx.oidc.provider.emit('server_error', ctx, err);
    }
  };
}

/** The name typed, as the interactive sign-in keeps it (trimmed, lower case, at most 320 characters). */
function usernameOf(form: Record<string, unknown> | undefined): string | undefined {
  const value = form?.username;
  const name = typeof value === 'string' ? value.trim().toLowerCase().slice(0, 320) : '';
  return name === '' ? undefined : name;
}

/**
 * The account a username names at this authority: a user of the tenant (member or guest), else a
 * user of the tenant that holds the UPN's domain (home realm) when that tenant is a partner of this
 * one — the AOBO case (SPEC E3), logged on the customer's side with the partner as home tenant.
 * An account of an unrelated tenant is not resolved: its name is logged as typed, with no user or
 * home tenant (a stranger's accounts are not this authority's business).
 */
async function namedAccount(db: Db, tenant: Tenant, username: string): Promise<User | undefined> {
  // The same queries whether the account exists or not (no timing oracle): the domain's tenant is
  // read even when the name is a local user's, and a partner's user is looked up hit or miss.
  const domain = username.split('@')[1];
  const local = await findUserByUpn(db, tenant.id, username);
  const home = domain ? await findTenant(db, domain) : undefined;
  if (local) return local;
  if (!home || home.id === tenant.id || home.kind !== 'partner') return undefined;
  if (!(await isPartnerOf(db, home.id, tenant.id))) return undefined;
  return findUserByUpn(db, home.id, username);
}
