import { loadConfig } from '../../config.ts';
import type { Tenant } from '../../directory/tenants.ts';
import type { User } from '../../directory/users.ts';
import { ONBOARDING_ERRORS, OnboardingError } from '../../errors/onboarding-errors.ts';
import { activationUrl } from '../../onboarding/activation-links.ts';
import {
  onboardTenant,
  reissueActivationLink,
  type TenantOnboarding,
} from '../../onboarding/tenant-onboarding.ts';
import { SecretBox } from '../../security/secret-box.ts';
import { type Db, openDatabase } from '../../storage/database.ts';
import { RefusedError, UsageError } from '../errors.ts';

/** What warden init, warden tenants create and warden activation-link print (--json: as is). */
export interface OnboardingReport {
  tenant: {
    id: string;
    kind: Tenant['kind'];
    domain: string;
    displayName: string;
    programType?: string;
    securityDefaults: boolean;
  };
  admin: { id: string; userPrincipalName: string; directoryRoles: string[] };
  /** The one-time link: shown here once, stored only as a hash. */
  activationUrl: string;
  expiresAt: string;
  baseUrl: string;
}

const HINTS: Partial<Record<OnboardingError['code'], string>> = {
  operator_exists:
    'Onboard partners and customers with warden tenants create; a new link for an administrator who has not activated: warden activation-link <user name>.',
  no_operator: 'Run first: warden init --domain <operator domain> --admin <admin@operator domain>',
  already_activated:
    'The administrator signs in with their password; a lost password is reset by another administrator.',
  domain_taken: 'Each tenant has its own domain.',
};

/** The configured database and the secret box of the server (same environment as npm start). */
async function withStorage<T>(work: (db: Db, secrets: SecretBox, baseUrl: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await work(db, new SecretBox(config.masterKey, 'secrets'), config.baseUrl);
  } catch (error) {
    if (error instanceof OnboardingError) {
      const hint = HINTS[error.code];
      throw ONBOARDING_ERRORS[error.code].usage
        ? new UsageError(error.message, hint)
        : new RefusedError(`${error.message} (${error.code})`, hint);
    }
    throw error;
  } finally {
    await db.destroy();
  }
}

function report(
  tenant: Tenant,
  admin: User,
  activation: { token: string; expiresAt: number },
  baseUrl: string,
): OnboardingReport {
  return {
    tenant: {
      id: tenant.id,
      kind: tenant.kind,
      domain: tenant.domain,
      displayName: tenant.display_name,
      ...(tenant.program_type ? { programType: tenant.program_type } : {}),
      securityDefaults: tenant.security_defaults === 1,
    },
    admin: { id: admin.id, userPrincipalName: admin.userPrincipalName, directoryRoles: admin.directoryRoles },
    activationUrl: activationUrl(baseUrl, activation.token),
    expiresAt: new Date(activation.expiresAt).toISOString(),
    baseUrl,
  };
}

/** `warden init` and `warden tenants create`: one tenant with its first administrator and link. */
export async function onboard(input: TenantOnboarding): Promise<OnboardingReport> {
  return withStorage(async (db, secrets, baseUrl) => {
    const { tenant, admin, activation } = await onboardTenant({ db, secrets }, input, Date.now());
    return report(tenant, admin, activation, baseUrl);
  });
}

/** `warden activation-link`: a new link for an administrator who has not activated yet. */
export async function newActivationLink(userPrincipalName: string): Promise<OnboardingReport> {
  const at = userPrincipalName.lastIndexOf('@');
  if (at < 1) throw new UsageError(`'${userPrincipalName}' is not a user name (name@domain).`);
  return withStorage(async (db, _secrets, baseUrl) => {
    const { tenant, user, activation } = await reissueActivationLink(
      db,
      { domain: userPrincipalName.slice(at + 1), userPrincipalName },
      Date.now(),
    );
    return report(tenant, user, activation, baseUrl);
  });
}
