import {
  type AuthenticationStrength,
  authenticationStrengthOf,
  strengthOfProof,
} from './authentication-strength.ts';
import type { ProvenFactor } from './mfa-proof.ts';

/**
 * The authentication context class references Warden issues and understands (OIDC Core §2 `acr`,
 * RFC 9470 `acr_values`). The leaf vocabulary of the MFA decision: it imports nothing but the proof
 * and the strength read off it.
 */
export const PASSWORD_ACR = 'urn:warden:acr:pwd';
export const MFA_ACR = 'urn:warden:acr:mfa';
/**
 * Issue 15 item 1: MFA with a phishing-resistant method (a passkey: authentication strength
 * `phishingResistant`). Asking for it asks for MFA; the sign-in offers the user's passkey, and the
 * token's `acr` says whether it was reached (a relying party that demands it checks `acr`, or asks
 * for it as an essential claim, which the authority keeps asking until a passkey proves it).
 */
export const PHISHING_RESISTANT_ACR = 'urn:warden:acr:phishing-resistant';
/** The OpenID PAPE multi-factor policy, which some relying parties send instead of Warden's own. */
export const PAPE_MULTI_FACTOR_ACR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';

/** Every acr a relying party may ask for (discovery's `acr_values_supported`). */
export const SUPPORTED_ACR_VALUES = [
  PASSWORD_ACR,
  MFA_ACR,
  PHISHING_RESISTANT_ACR,
  PAPE_MULTI_FACTOR_ACR,
] as const;

/** ACR values that name the MFA level. */
export const MFA_ACR_VALUES: ReadonlySet<string> = new Set([
  MFA_ACR,
  PHISHING_RESISTANT_ACR,
  PAPE_MULTI_FACTOR_ACR,
]);

/** The acr a sign-in reached, read off its amr: the strength it reached, as a URN. */
export function acrFor(amr: readonly string[]): string {
  return acrOfStrength(authenticationStrengthOf(amr));
}

/** The acr of a sign-in's own proof (strengthOfProof: a passkey made in it reaches MFA only). */
export function acrOfProof(proven: readonly ProvenFactor[]): string {
  return acrOfStrength(strengthOfProof(proven));
}

function acrOfStrength(strength: AuthenticationStrength | null): string {
  if (strength === 'phishingResistant') return PHISHING_RESISTANT_ACR;
  return strength === 'mfa' ? MFA_ACR : PASSWORD_ACR;
}
