/**
 * THE reading of the MFA proof (SPEC §3): a sign-in, session, refresh-token chain or access token
 * proves MFA exactly when its RFC 8176 `amr` holds `mfa`. Every check of the proof asks this.
 */
export function hasMfaProof(amr: readonly string[] | undefined | null): boolean {
  return Array.isArray(amr) && amr.includes('mfa');
}

/**
 * What Warden's sign-in proves: a password, a one-time code (TOTP or recovery code), or a
 * Temporary Access Pass (`tap`, Warden's name; not an `amr` value itself).
 */
export type ProvenFactor = 'pwd' | 'otp' | 'tap';

/**
 * RFC 8176 §2: the `amr` of a sign-in that proved these factors; `mfa` when two kinds were proven.
 * A Temporary Access Pass is a strong credential on its own (Entra: it satisfies MFA, so the user
 * can register methods without the password; reference entra-identity §3.7 lists its
 * `TemporaryAccessPass` bit but no `amr` string). RFC 8176 has no value for it; `otp` is the
 * registered one closest to it (a time-limited code issued out of band), with `mfa`.
 */
export function amrOf(proven: readonly ProvenFactor[]): string[] {
  const kinds = new Set<string>(proven.map((factor) => (factor === 'tap' ? 'otp' : factor)));
  const mfa = proven.includes('tap') || (kinds.has('pwd') && kinds.has('otp'));
  return [...kinds, ...(mfa ? ['mfa'] : [])];
}
