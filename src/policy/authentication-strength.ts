/**
 * The authentication strength a sign-in reached, read off its RFC 8176 `amr` (issue 15 items 1
 * and 6; reference entra-identity §2.2, the built-in strengths): `phishingResistant` when a
 * key bound to the sign-in surface was proven (`hwk` or `swk`, a passkey), `mfa` when MFA was
 * proven, none (null) when only a password or another single factor was. A leaf: imports nothing.
 */
import { amrOf, type ProvenFactor } from './mfa-proof.ts';

export type AuthenticationStrength = 'mfa' | 'phishingResistant';

export function authenticationStrengthOf(amr: readonly string[]): AuthenticationStrength | null {
  if (!amr.includes('mfa')) return null;
  return amr.includes('hwk') || amr.includes('swk') ? 'phishingResistant' : 'mfa';
}

/**
 * The strength a sign-in's own proof reached: as its `amr` says, except that a passkey made in
 * this sign-in (registration interrupt) raises it to `mfa` only. A phishing-resistant sign-in
 * proves a key the user held before it; one made now was made after a phishable first factor.
 */
export function strengthOfProof(proven: readonly ProvenFactor[]): AuthenticationStrength | null {
  const strength = authenticationStrengthOf(amrOf(proven));
  if (strength === 'phishingResistant' && !proven.includes('hwk') && !proven.includes('swk')) return 'mfa';
  return strength;
}
