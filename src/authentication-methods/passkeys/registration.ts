import { randomUUID } from 'node:crypto';
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import {
  convertCertBufferToPEM,
  decodeAttestationObject,
  isoBase64URL,
  validateCertificatePath,
} from '@simplewebauthn/server/helpers';
import { type Db, isUniqueViolation } from '../../storage/database.ts';
import { PasskeyError } from './errors.ts';
import type { RelyingParty } from './relying-party.ts';
import { aaguidPermitted, type PasskeySettings } from './settings.ts';

export interface PasskeyOwner {
  tenantId: string;
  userId: string;
  userPrincipalName: string;
  displayName: string;
}

export interface RegisteredPasskey {
  id: string;
  displayName: string;
  aaguid: string;
  deviceType: 'singleDevice' | 'multiDevice';
}

/** Who a new passkey is for: its user handle (the object id) and the names the authenticator shows. */
export function passkeyOwnerOf(user: {
  tenantId: string;
  id: string;
  userPrincipalName: string;
  displayName: string;
}): PasskeyOwner {
  return {
    tenantId: user.tenantId,
    userId: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
  };
}

/** The most a passkey's name may hold (Graph `displayName`). */
export const PASSKEY_NAME_MAX = 64;

/**
 * PublicKeyCredentialCreationOptions (WebAuthn L3 §5.4) for a new passkey, as Entra asks
 * (reference entra-identity §4.1): a discoverable credential (username-less sign-in needs it), user
 * verification required, direct attestation when the tenant enforces it. The user's existing
 * credentials are excluded, so an authenticator already holding one says so instead of adding a twin.
 */
export async function passkeyCreationOptions(
  db: Db,
  rp: RelyingParty,
  owner: PasskeyOwner,
  settings: PasskeySettings,
  challenge: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await db
    .selectFrom('passkey_credentials')
    .select(['credential_id', 'transports'])
    .where('tenant_id', '=', owner.tenantId)
    .where('user_id', '=', owner.userId)
    .execute();
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: owner.userPrincipalName,
    userDisplayName: owner.displayName,
    // The user handle (WebAuthn L3 §14.6.1: no personal data): the user's object id.
    userID: new TextEncoder().encode(owner.userId),
    challenge: isoBase64URL.toBuffer(challenge),
    attestationType: settings.attestation === 'enforced' ? 'direct' : 'none',
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: JSON.parse(c.transports) })),
    timeout: 5 * 60 * 1000,
  });
}

/**
 * A trusted attestation (reference §4.1, enforced): the statement, verified by
 * @simplewebauthn/server against its leaf certificate, carries a chain (`x5c`) that ends at one of
 * the operator's roots (WARDEN_FIDO_ATTESTATION_ROOTS). `none`, self-attestation, and a chain to a
 * root nobody trusts — anyone can make one, and claim any AAGUID in it — are not. No roots: none
 * is trusted (fail closed).
 */
async function trustedAttestation(
  fmt: string,
  attestationObject: Uint8Array,
  roots: readonly string[],
): Promise<boolean> {
  if (fmt === 'none' || roots.length === 0) return false;
  const x5c: unknown = decodeAttestationObject(new Uint8Array(attestationObject)).get('attStmt').get('x5c');
  if (!Array.isArray(x5c) || x5c.length === 0) return false;
  try {
    return await validateCertificatePath(
      x5c.map((certificate: Uint8Array) => convertCertBufferToPEM(new Uint8Array(certificate))),
      [...roots],
    );
  } catch {
    return false;
  }
}

/**
 * Verifies a registration response (WebAuthn L3 §7.1, by @simplewebauthn/server) against the
 * challenge the flow or page offered, applies the tenant's attestation and key restrictions, and
 * stores the credential with what Graph and the sign-in need: AAGUID, device type, backup state,
 * transports, counter and attestation format. Returns the new method.
 */
export async function registerPasskey(
  db: Db,
  rp: RelyingParty,
  owner: PasskeyOwner,
  settings: PasskeySettings,
  challenge: string,
  response: RegistrationResponseJSON,
  now: number,
): Promise<RegisteredPasskey> {
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false, // checked below, so the refusal says why
    });
  } catch {
    throw new PasskeyError('PasskeyNotVerified', 'The passkey could not be verified. Try again.');
  }
  if (!verified.verified)
    throw new PasskeyError('PasskeyNotVerified', 'The passkey could not be verified. Try again.');
  const info = verified.registrationInfo;
  if (!info.userVerified)
    throw new PasskeyError(
      'PasskeyUserVerificationRequired',
      'Your authenticator did not verify you (PIN or biometrics). Use one that can.',
    );
  if (
    settings.attestation === 'enforced' &&
    !(await trustedAttestation(info.fmt, info.attestationObject, rp.attestationRoots))
  )
    throw new PasskeyError(
      'PasskeyAttestationRequired',
      'Your organization accepts only security keys and passkeys that prove their make and model (attestation).',
    );
  if (!aaguidPermitted(settings, info.aaguid))
    throw new PasskeyError(
      'PasskeyAaguidBlocked',
      'Your organization does not allow this kind of security key or passkey.',
    );
  const id = randomUUID();
  const displayName = info.credentialDeviceType === 'multiDevice' ? 'Passkey' : 'Security key';
  try {
    await db
      .insertInto('passkey_credentials')
      .values({
        tenant_id: owner.tenantId,
        id,
        user_id: owner.userId,
        credential_id: info.credential.id,
        public_key: isoBase64URL.fromBuffer(info.credential.publicKey),
        sign_count: info.credential.counter,
        aaguid: info.aaguid,
        device_type: info.credentialDeviceType,
        backed_up: info.credentialBackedUp ? 1 : 0,
        transports: JSON.stringify(info.credential.transports ?? []),
        attestation_format: info.fmt,
        display_name: displayName,
        created_at: now,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new PasskeyError('PasskeyAlreadyRegistered', 'This authenticator is already registered.');
    throw error;
  }
  return { id, displayName, aaguid: info.aaguid, deviceType: info.credentialDeviceType };
}
