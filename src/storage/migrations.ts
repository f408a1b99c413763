import { type Kysely, type Migration, Migrator } from 'kysely';
import { migration as identityCore } from './migrations/0001_identity_core.ts';
import { migration as partnerCenter } from './migrations/0002_partner_center.ts';
import { migration as directoryAdministration } from './migrations/0003_directory_administration.ts';
import { migration as clientSecretsInCredentials } from './migrations/0004_client_secrets_in_credentials.ts';
import { migration as activationLinks } from './migrations/0005_activation_links.ts';
import { migration as revocations } from './migrations/0006_revocations.ts';
import { migration as registrationWindow } from './migrations/0007_registration_window.ts';
import { migration as oneActiveSigningKey } from './migrations/0008_one_active_signing_key.ts';
import { migration as delegatedAdminRelationships } from './migrations/0009_delegated_admin_relationships.ts';
import { migration as gdapAssignmentsAndAudit } from './migrations/0010_gdap_assignments_and_audit.ts';
import { migration as licenseAssignments } from './migrations/0011_license_assignments.ts';
import { migration as signInsByHomeTenant } from './migrations/0012_sign_ins_by_home_tenant.ts';
import { migration as refreshChains } from './migrations/0013_refresh_chains.ts';
import { migration as servicePrincipals } from './migrations/0014_service_principals.ts';
import { migration as servicePrincipalSignIns } from './migrations/0015_service_principal_sign_ins.ts';
import { migration as userConsents } from './migrations/0016_user_consents.ts';
import { migration as applicationIds } from './migrations/0017_application_ids.ts';
import { migration as applicationKeyCredentials } from './migrations/0018_application_key_credentials.ts';
import { migration as applicationApis } from './migrations/0019_application_apis.ts';
import { migration as graphShapes } from './migrations/0020_graph_shapes.ts';
import { migration as partnerCenterShapes } from './migrations/0021_partner_center_shapes.ts';
import { migration as requestLogComplianceFields } from './migrations/0022_request_log_compliance_fields.ts';
import { migration as complianceRollups } from './migrations/0023_compliance_rollups.ts';
import { migration as fraudEvents } from './migrations/0024_fraud_events.ts';
import { migration as technicalExceptions } from './migrations/0025_technical_exceptions.ts';
import { migration as securityScore } from './migrations/0026_security_score.ts';
import { migration as evidenceKeys } from './migrations/0027_evidence_keys.ts';
import { migration as webhookLeaseToken } from './migrations/0028_webhook_lease_token.ts';
import { migration as temporaryAccessPass } from './migrations/0029_temporary_access_pass.ts';
import { migration as identityProtection } from './migrations/0030_identity_protection.ts';
import { migration as passkeysAndSelfService } from './migrations/0031_passkeys_and_self_service.ts';
import { migration as oidcPayloadAccount } from './migrations/0032_oidc_payload_account.ts';
import { migration as passkeyChallenge } from './migrations/0033_passkey_challenge.ts';
import { migration as activationRequiresTap } from './migrations/0034_activation_requires_tap.ts';
import { migration as passwordChangedAt } from './migrations/0035_password_changed_at.ts';
import { migration as firstPartySessionSite } from './migrations/0041_first_party_session_site.ts';
import { migration as logRetention } from './migrations/0042_log_retention.ts';
import { migration as monthlyLogPartitions } from './migrations/0043_monthly_log_partitions.ts';
import { migration as onePendingSigningKey } from './migrations/0044_one_pending_signing_key.ts';

/**
 * Migrations in code, one file each under `migrations/`, applied in the order of their names;
 * the same statements on SQLite and PostgreSQL. A new one is a new file and a line here.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_identity_core': identityCore,
  '0002_partner_center': partnerCenter,
  '0003_directory_administration': directoryAdministration,
  '0004_client_secrets_in_credentials': clientSecretsInCredentials,
  '0005_activation_links': activationLinks,
  '0006_revocations': revocations,
  '0007_registration_window': registrationWindow,
  '0008_one_active_signing_key': oneActiveSigningKey,
  '0009_delegated_admin_relationships': delegatedAdminRelationships,
  '0010_gdap_assignments_and_audit': gdapAssignmentsAndAudit,
  '0011_license_assignments': licenseAssignments,
  '0012_sign_ins_by_home_tenant': signInsByHomeTenant,
  '0013_refresh_chains': refreshChains,
  '0014_service_principals': servicePrincipals,
  '0015_service_principal_sign_ins': servicePrincipalSignIns,
  '0016_user_consents': userConsents,
  '0017_application_ids': applicationIds,
  '0018_application_key_credentials': applicationKeyCredentials,
  '0019_application_apis': applicationApis,
  '0020_graph_shapes': graphShapes,
  '0021_partner_center_shapes': partnerCenterShapes,
  '0022_request_log_compliance_fields': requestLogComplianceFields,
  '0023_compliance_rollups': complianceRollups,
  '0024_fraud_events': fraudEvents,
  '0025_technical_exceptions': technicalExceptions,
  '0026_security_score': securityScore,
  '0027_evidence_keys': evidenceKeys,
  '0028_webhook_lease_token': webhookLeaseToken,
  '0029_temporary_access_pass': temporaryAccessPass,
  '0030_identity_protection': identityProtection,
  '0031_passkeys_and_self_service': passkeysAndSelfService,
  '0032_oidc_payload_account': oidcPayloadAccount,
  '0033_passkey_challenge': passkeyChallenge,
  '0034_activation_requires_tap': activationRequiresTap,
  '0035_password_changed_at': passwordChangedAt,
  '0041_first_party_session_site': firstPartySessionSite,
  '0042_log_retention': logRetention,
  '0043_monthly_log_partitions': monthlyLogPartitions,
  '0044_one_pending_signing_key': onePendingSigningKey,
};

/** The names of every migration this Warden has, in order (`warden restore` checks a backup against them). */
export function knownMigrations(): string[] {
  return Object.keys(MIGRATIONS).sort();
}

/** Applies the migrations not applied yet; returns their names in order (`warden migrate` prints them). */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Applies the migrations up to and including `name` (tests: a database as an older Warden left it). */
export async function migrateUpTo(db: Kysely<unknown>, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error } = await migrator.migrateTo(name);
  if (error) throw new Error(`database migration to ${name} failed: ${String(error)}`, { cause: error });
}
