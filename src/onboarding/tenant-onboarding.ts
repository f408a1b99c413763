import { createApplication } from '../directory/applications.ts';
import { addGroupMemberByName } from '../directory/groups.ts';
import {
  createTenant,
  findTenant,
  isDomainName,
  PARTNER_PROGRAM_TYPES,
  type PartnerProgramType,
  type Tenant,
} from '../directory/tenants.ts';
import { createUser, findUserByUpn, type User } from '../directory/users.ts';
import { OnboardingError } from '../errors/onboarding-errors.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import { issueActivationLink } from './activation-links.ts';
import { WARDEN_CLI_APPLICATION } from './first-party-applications.ts';

export interface TenantOnboarding {
  kind: Tenant['kind'];
  domain: string;
  /** The tenant's name; the domain when not given. */
  displayName?: string | undefined;
  /** Partner tenants only; csp-direct when not given. */
  programType?: string | undefined;
  admin: { userPrincipalName: string; displayName?: string | undefined };
}

export interface OnboardedTenant {
  tenant: Tenant;
  admin: User;
  /** The activation link's token, to be shown once: the URL is activationUrl(baseUrl, token). */
  activation: { token: string; expiresAt: number };
}

export type OnboardingContext = { db: Db; secrets: SecretBox };

/** The domain, lowercased, and the administrator's user name checked against it (SPEC §1 accounts). */
function checkedNames(input: TenantOnboarding): { domain: string; upn: string } {
  const domain = input.domain.trim().toLowerCase();
  if (!isDomainName(domain)) throw new OnboardingError('invalid_domain');
  const upn = input.admin.userPrincipalName.trim().toLowerCase();
  const at = upn.lastIndexOf('@');
  const local = upn.slice(0, at);
  // Like Entra, a user name's suffix is a verified domain of its tenant (here: the one domain).
  if (at < 1 || local.length > 64 || !/^[a-z0-9._%+'-]+$/.test(local) || upn.slice(at + 1) !== domain) {
    throw new OnboardingError('invalid_admin');
  }
  return { domain, upn };
}

function programTypeOf(input: TenantOnboarding): PartnerProgramType | undefined {
  if (input.kind !== 'partner') return undefined;
  const type = input.programType ?? 'csp-direct';
  if (!(PARTNER_PROGRAM_TYPES as readonly string[]).includes(type)) {
    throw new OnboardingError('invalid_program_type');
  }
  return type as PartnerProgramType;
}

async function operatorTenant(db: Db): Promise<{ id: string } | undefined> {
  return db.selectFrom('tenants').select('id').where('kind', '=', 'operator').executeTakeFirst();
}

/**
 * Onboards a tenant with its first administrator, in one transaction: the tenant with its
 * verified domain and security defaults on (SPEC §5, R1); for a partner its three agent groups
 * (createTenant); the administrator, a Global Administrator (an Admin agent too in a partner
 * tenant) with no usable password; and a one-time activation link for them. Under security
 * defaults a Global Administrator must do MFA at every sign-in, so the first sign-in after
 * activation makes them register an authenticator, with no skip (decideSignInRequirement).
 *
 * The operator tenant (warden init) also registers the CLI's first-party client. There is one
 * operator per installation: refused once it exists, and settled by a unique index when two
 * run at once. Every other tenant needs the operator first.
 */
export async function onboardTenant(
  ctx: OnboardingContext,
  input: TenantOnboarding,
  now: number,
): Promise<OnboardedTenant> {
  const { domain, upn } = checkedNames(input);
  const programType = programTypeOf(input);
  try {
    return await inTransaction(ctx.db, async (trx) => {
      const operator = await operatorTenant(trx);
      if (input.kind === 'operator' && operator) throw new OnboardingError('operator_exists');
      if (input.kind !== 'operator' && !operator) throw new OnboardingError('no_operator');
      if (await findTenant(trx, domain)) throw new OnboardingError('domain_taken');
      const tenant = await createTenant(
        trx,
        {
          kind: input.kind,
          ...(programType ? { programType } : {}),
          displayName: input.displayName?.trim() || domain,
          domain,
          securityDefaults: true,
        },
        now,
      );
      const admin = await createUser(
        trx,
        tenant.id,
        {
          userPrincipalName: upn,
          displayName: input.admin.displayName?.trim() || upn.slice(0, upn.lastIndexOf('@')),
          directoryRoles: ['Global Administrator'],
        },
        now,
      );
      if (tenant.kind === 'partner') await addGroupMemberByName(trx, tenant.id, 'AdminAgents', admin.id);
      if (tenant.kind === 'operator') {
        await createApplication(trx, ctx.secrets, tenant.id, WARDEN_CLI_APPLICATION, now);
      }
      const activation = await issueActivationLink(trx, tenant.id, admin.id, now);
      return { tenant, admin, activation };
    });
  } catch (error) {
    if (error instanceof OnboardingError) throw error;
    // Another onboarding may have won a race: on PostgreSQL the unique index refuses this insert,
    // on SQLite another process's commit ends this transaction's snapshot (SQLITE_BUSY). Nothing
    // was written; say what the winner took, if it did.
    if (input.kind === 'operator' && (await operatorTenant(ctx.db)))
      throw new OnboardingError('operator_exists');
    if (await findTenant(ctx.db, domain)) throw new OnboardingError('domain_taken');
    throw error;
  }
}

/**
 * A new activation link for an administrator who has not activated yet (the first one expired or
 * was lost); their earlier links stop working. Refused for an account that has a password: this
 * is not a way around password reset or MFA.
 */
export async function reissueActivationLink(
  db: Db,
  input: { domain: string; userPrincipalName: string },
  now: number,
): Promise<{ tenant: Tenant; user: User; activation: { token: string; expiresAt: number } }> {
  const domain = input.domain.trim().toLowerCase();
  if (!isDomainName(domain)) throw new OnboardingError('invalid_domain');
  return inTransaction(db, async (trx) => {
    const tenant = await findTenant(trx, domain);
    const user = tenant && (await findUserByUpn(trx, tenant.id, input.userPrincipalName));
    if (!tenant || !user) throw new OnboardingError('user_not_found');
    if (user.passwordHash !== null) throw new OnboardingError('already_activated');
    const activation = await issueActivationLink(trx, tenant.id, user.id, now);
    return { tenant, user, activation };
  });
}
