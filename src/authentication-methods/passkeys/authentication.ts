import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Db } from '../../storage/database.ts';
import { PasskeyError } from './errors.ts';
import type { RelyingParty } from './relying-party.ts';
import { aaguidPermitted, type PasskeySettings } from './settings.ts';

/**
 * PublicKeyCredentialRequestOptions (WebAuthn L3 §5.5), user verification required as Entra does
 * for every FIDO2 sign-in (reference entra-identity §4.1). With a user, their credentials are
 * allowed (a second factor); without one, none is listed, so the authenticator offers its
 * discoverable credentials for this RP (username-less sign-in).
 */
export async function passkeyRequestOptions(
  db: Db,
  rp: RelyingParty,
  challenge: string,
  user?: { tenantId: string; userId: string },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const allowed = user
    ? await db
        .selectFrom('passkey_credentials')
        .select(['credential_id', 'transports'])
        .where('tenant_id', '=', user.tenantId)
        .where('user_id', '=', user.userId)
        .execute()
    : [];
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: isoBase64URL.toBuffer(challenge),
    userVerification: 'required',
    allowCredentials: allowed.map((c) => ({
      id: c.credential_id,
      transports: JSON.parse(c.transports) as AuthenticatorTransport[],
    })),
    timeout: 5 * 60 * 1000,
  });
}

/** What a verified assertion proved: whose passkey, and whether it is device-bound or synced. */
export interface ProvenPasskey {
  methodId: string;
  userId: string;
  displayName: string;
  aaguid: string;
  deviceType: 'singleDevice' | 'multiDevice';
}

const NOT_VERIFIED = 'The passkey could not be verified. Try again.';

/**
 * Verifies an assertion (WebAuthn L3 §7.2, by @simplewebauthn/server) for a credential of this
 * tenant — of `expectedUserId` when the user is known already — against the challenge the flow
 * offered. The tenant's key restrictions apply at every sign-in (reference §4.1), user verification
 * is required, and the signature counter must increase: it is advanced by a conditional UPDATE, so
 * a clone of the authenticator presenting an old or equal counter is refused even when it races the
 * original (WebAuthn L3 §6.1.1). Authenticators that keep no counter (always 0) are accepted as such.
 */
export async function verifyPasskeyAssertion(
  db: Db,
  rp: RelyingParty,
  settings: PasskeySettings,
  tenantId: string,
  challenge: string,
  response: AuthenticationResponseJSON,
  now: number,
  expectedUserId?: string,
): Promise<ProvenPasskey> {
  const row = await db
    .selectFrom('passkey_credentials')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('credential_id', '=', String(response.id ?? ''))
    .executeTakeFirst();
  if (!row || (expectedUserId !== undefined && row.user_id !== expectedUserId))
    throw new PasskeyError('PasskeyUnknown', 'This passkey is not registered for this account.');
  // §7.2 step 6: a user handle, when returned, must be the credential's owner's.
  // Username-less (no user known beforehand): the handle is required, and must be the owner's.
  const handle = response.response?.userHandle;
  if (
    (expectedUserId === undefined && !handle) ||
    (handle && handle !== isoBase64URL.fromUTF8String(row.user_id))
  )
    throw new PasskeyError('PasskeyUnknown', 'This passkey is not registered for this account.');
  if (!aaguidPermitted(settings, row.aaguid))
    throw new PasskeyError(
      'PasskeyAaguidBlocked',
      'Your organization does not allow this kind of security key or passkey.',
      row.user_id,
    );
  const stored = Number(row.sign_count);
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      // The counter is compared below and settled by the UPDATE, so the refusal has its own code.
      credential: { id: row.credential_id, publicKey: isoBase64URL.toBuffer(row.public_key), counter: 0 },
      requireUserVerification: false, // checked below, so the refusal says why
    });
  } catch {
    throw new PasskeyError('PasskeyNotVerified', NOT_VERIFIED, row.user_id);
  }
  if (!verified.verified) throw new PasskeyError('PasskeyNotVerified', NOT_VERIFIED, row.user_id);
  const info = verified.authenticationInfo;
  if (!info.userVerified)
    throw new PasskeyError(
      'PasskeyUserVerificationRequired',
      'Your authenticator did not verify you (PIN or biometrics). Use one that can.',
      row.user_id,
    );
  const counter = info.newCounter;
  const result = await db
    .updateTable('passkey_credentials')
    .set({ sign_count: counter, last_used_at: now, backed_up: info.credentialBackedUp ? 1 : 0 })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', row.id)
    .where((eb) =>
      counter === 0 && stored === 0 ? eb('sign_count', '=', 0) : eb('sign_count', '<', counter),
    )
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1)
    throw new PasskeyError(
      'PasskeyCounterRegressed',
      'This passkey presented a signature counter that did not increase; it may be a copy. Contact your administrator.',
      row.user_id,
    );
  return {
    methodId: row.id,
    userId: row.user_id,
    displayName: row.display_name,
    aaguid: row.aaguid,
    deviceType: row.device_type,
  };
}
