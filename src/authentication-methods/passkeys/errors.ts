/**
 * Why a passkey ceremony was refused (issue 15 item 1). The sign-in maps these to its AADSTS codes
 * and the Security info page to its messages; the codes are stable (docs/errors.md).
 */
export const PASSKEY_ERROR_CODES = [
  /** The response did not verify: wrong challenge, origin, RP id, signature or format. */
  'PasskeyNotVerified',
  /** WebAuthn L3 §6.1 UV flag not set: the authenticator did not verify the user (PIN or biometric). */
  'PasskeyUserVerificationRequired',
  /** The tenant enforces attestation and the authenticator presented none (or only self-attestation). */
  'PasskeyAttestationRequired',
  /** The authenticator's AAGUID is not allowed by the tenant's key restrictions. */
  'PasskeyAaguidBlocked',
  /** No credential with this id belongs to this tenant (or to the user who is signing in). */
  'PasskeyUnknown',
  /** The signature counter did not increase (WebAuthn L3 §6.1.1): a cloned authenticator, refused. */
  'PasskeyCounterRegressed',
  /** This authenticator already holds a passkey of this user. */
  'PasskeyAlreadyRegistered',
  /** The challenge was already used by another request (one ceremony per challenge). */
  'PasskeyChallengeUsed',
] as const;

export type PasskeyErrorCode = (typeof PASSKEY_ERROR_CODES)[number];

export class PasskeyError extends Error {
  readonly code: PasskeyErrorCode;
  /** The owner of the credential presented, when it is a registered one (the sign-in log names them). */
  readonly userId: string | undefined;
  constructor(code: PasskeyErrorCode, message: string, userId?: string) {
    super(message);
    this.code = code;
    this.userId = userId;
  }
}
