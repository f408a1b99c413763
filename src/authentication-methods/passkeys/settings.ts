import type { Db } from '../../storage/database.ts';

/**
 * A tenant's passkey (FIDO2) settings (issue 15 item 1; reference entra-identity §3.2, Graph
 * `fido2AuthenticationMethodConfiguration`): whether attestation is enforced, an AAGUID allow or
 * block list (Entra's `keyRestrictions`, applied at registration and at every sign-in), and whether
 * username-less sign-in with a passkey is offered on the first page. No policy row: the defaults.
 */
export interface PasskeySettings {
  /** `enforced`: only authenticators that present a full attestation (a certificate) register. */
  attestation: 'none' | 'enforced';
  aaguidMode: 'off' | 'allow' | 'block';
  /** Lower-case AAGUIDs (RFC 4122 text form). */
  aaguids: string[];
  passwordless: boolean;
}

export const DEFAULT_PASSKEY_SETTINGS: PasskeySettings = {
  attestation: 'none',
  aaguidMode: 'off',
  aaguids: [],
  passwordless: true,
};

const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isAaguid(value: string): boolean {
  return AAGUID.test(value);
}

export async function passkeySettings(db: Db, tenantId: string): Promise<PasskeySettings> {
  const row = await db
    .selectFrom('authentication_methods_policy')
    .select(['passkey_attestation', 'passkey_aaguid_mode', 'passkey_aaguids', 'passkey_passwordless'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  if (!row) return DEFAULT_PASSKEY_SETTINGS;
  const listed: unknown = JSON.parse(row.passkey_aaguids);
  return {
    attestation: row.passkey_attestation === 'enforced' ? 'enforced' : 'none',
    aaguidMode: row.passkey_aaguid_mode,
    aaguids: Array.isArray(listed) ? listed.map((a) => String(a).toLowerCase()) : [],
    passwordless: Number(row.passkey_passwordless) === 1,
  };
}

export async function setPasskeySettings(
  db: Db,
  tenantId: string,
  settings: PasskeySettings,
  now: number,
): Promise<void> {
  const values = {
    passkey_attestation: settings.attestation,
    passkey_aaguid_mode: settings.aaguidMode,
    passkey_aaguids: JSON.stringify(settings.aaguids.map((a) => a.toLowerCase())),
    passkey_passwordless: settings.passwordless ? 1 : 0,
    updated_at: now,
  };
  await db
    .insertInto('authentication_methods_policy')
    .values({ tenant_id: tenantId, first_registration_requires_tap: 0, ...values })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
    .execute();
}

/**
 * Entra's key restrictions: with an allow list only the listed models, with a block list all but
 * them. Asked at registration and again at every sign-in, so a model blocked later stops signing in.
 */
export function aaguidPermitted(settings: PasskeySettings, aaguid: string): boolean {
  const listed = settings.aaguids.includes(aaguid.toLowerCase());
  if (settings.aaguidMode === 'allow') return listed;
  if (settings.aaguidMode === 'block') return !listed;
  return true;
}
