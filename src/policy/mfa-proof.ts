/**
 * THE reading of the MFA proof (SPEC §3): a sign-in, session, refresh-token chain or access token
 * proves MFA exactly when its RFC 8176 `amr` holds `mfa`. Every check of the proof asks this.
 */
export function hasMfaProof(amr: readonly string[] | undefined | null): boolean {
  return Array.isArray(amr) && amr.includes('mfa');
}

/** RFC 8176 methods Warden's sign-in proves: a password, a one-time code (TOTP or recovery code). */
export type ProvenFactor = 'pwd' | 'otp';

/** RFC 8176 §2: the `amr` of a sign-in that proved these factors; `mfa` when two kinds were proven. */
export function amrOf(proven: readonly ProvenFactor[]): string[] {
  const kinds = new Set(proven);
  return [...kinds, ...(kinds.has('pwd') && kinds.has('otp') ? ['mfa'] : [])];
}
