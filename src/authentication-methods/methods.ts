import type { Db } from '../storage/database.ts';
import { aaguidPermitted, passkeySettings } from './passkeys/settings.ts';

/** An authenticator app (Graph `softwareOathAuthenticationMethod`). */
export interface TotpMethod {
  id: string;
  displayName: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A passkey or security key (Graph `fido2AuthenticationMethod`; WebAuthn L3). */
export interface PasskeyMethod {
  id: string;
  displayName: string;
  createdAt: number;
  lastUsedAt: number | null;
  aaguid: string;
  /** WebAuthn L3 §6.1.3: `singleDevice` (device-bound) or `multiDevice` (synced). */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  attestationFormat: string;
  /**
   * The tenant's key restrictions allow its AAGUID now (they apply at every sign-in): a passkey
   * they block cannot sign in, so it is no MFA method the user has (they may register another).
   */
  usable: boolean;
}

export interface MethodSummary {
  totp: TotpMethod[];
  passkeys: PasskeyMethod[];
  recoveryCodesRemaining: number;
}

/** What a user has registered. Recovery codes alone do not count as a registered MFA method. */
export async function methodsOf(db: Db, tenantId: string, userId: string): Promise<MethodSummary> {
  const [totp, passkeys, codes, settings] = await Promise.all([
    db
      .selectFrom('auth_methods')
      .select(['id', 'display_name', 'created_at', 'last_used_at'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('passkey_credentials')
      .select([
        'id',
        'display_name',
        'created_at',
        'last_used_at',
        'aaguid',
        'device_type',
        'backed_up',
        'attestation_format',
      ])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow(),
    passkeySettings(db, tenantId),
  ]);
  return {
    totp: totp.map((m) => ({
      id: m.id,
      displayName: m.display_name,
      createdAt: Number(m.created_at),
      lastUsedAt: m.last_used_at === null ? null : Number(m.last_used_at),
    })),
    passkeys: passkeys.map((p) => ({
      id: p.id,
      displayName: p.display_name,
      createdAt: Number(p.created_at),
      lastUsedAt: p.last_used_at === null ? null : Number(p.last_used_at),
      aaguid: p.aaguid,
      deviceType: p.device_type,
      backedUp: p.backed_up === 1,
      attestationFormat: p.attestation_format,
      usable: aaguidPermitted(settings, p.aaguid),
    })),
    recoveryCodesRemaining: Number(codes.n),
  };
}

export function hasMfaMethod(methods: MethodSummary): boolean {
  return methods.totp.length > 0 || hasPhishingResistantMethod(methods);
}

/** A passkey is the phishing-resistant method (reference entra-identity §2.2), one the tenant allows. */
export function hasPhishingResistantMethod(methods: MethodSummary): boolean {
  return methods.passkeys.some((passkey) => passkey.usable);
}
