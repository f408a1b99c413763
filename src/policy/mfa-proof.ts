/**
 * THE reading of the MFA proof (SPEC §3): a sign-in, session, refresh-token chain or access token
 * proves MFA exactly when its RFC 8176 `amr` holds `mfa`. Every check of the proof asks this.
 */
export function hasMfaProof(amr: readonly string[] | undefined | null): boolean {
  return Array.isArray(amr) && amr.includes('mfa');
}

/**
 * What Warden's sign-in proves: a password, a one-time code (TOTP or recovery code), a Temporary
 * Access Pass (`tap`, Warden's name; not an `amr` value itself), or a passkey with user
 * verification (issue 15 item 1): `hwk` when its key is bound to one authenticator (a security key,
 * WebAuthn `singleDevice`), `swk` when it is synced between a user's devices (`multiDevice`), as
 * RFC 8176 §2 defines the two proof-of-possession values.
 */
export type ProvenFactor = 'pwd' | 'otp' | 'tap' | 'hwk' | 'swk' | EnrolledKey;

/**
 * A passkey made in this very sign-in (the registration interrupt): it proves possession of a key
 * the user has just now, so `amr` says `hwk`/`swk`, but not that the sign-in resisted phishing —
 * whoever phished the password could have made it (policy/authentication-strength.ts).
 */
export type EnrolledKey = 'hwk_enrolled' | 'swk_enrolled';

const AMR_OF: Record<ProvenFactor, string> = {
  pwd: 'pwd',
  otp: 'otp',
  tap: 'otp',
  hwk: 'hwk',
  swk: 'swk',
  hwk_enrolled: 'hwk',
  swk_enrolled: 'swk',
};

/**
 * RFC 8176 §2: the `amr` of a sign-in that proved these factors; `mfa` when two kinds were proven.
 * A Temporary Access Pass is a strong credential on its own (Entra: it satisfies MFA, so the user
 * can register methods without the password; reference entra-identity §3.7 lists its
 * `TemporaryAccessPass` bit but no `amr` string). RFC 8176 has no value for it; `otp` is the
 * registered one closest to it (a time-limited code issued out of band), with `mfa`.
 * A passkey is multi-factor by itself: Warden requires user verification (the authenticator's PIN
 * or biometric, WebAuthn L3 §6.2.3) on top of possession of the key, so `hwk`/`swk` come with
 * `mfa` whether or not a password was proven too (Entra counts FIDO2 as passwordless MFA).
 */
export function amrOf(proven: readonly ProvenFactor[]): string[] {
  const kinds = new Set<string>(proven.map((factor) => AMR_OF[factor]));
  const mfa =
    proven.includes('tap') || kinds.has('hwk') || kinds.has('swk') || (kinds.has('pwd') && kinds.has('otp'));
  return [...kinds, ...(mfa ? ['mfa'] : [])];
}

/** Whether these factors already prove MFA (so no second factor is asked). */
export function provesMfa(proven: readonly ProvenFactor[]): boolean {
  return hasMfaProof(amrOf(proven));
}
