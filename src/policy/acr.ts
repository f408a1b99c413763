import { hasMfaProof } from './mfa-proof.ts';

/**
 * The authentication context class references Warden issues and understands (OIDC Core §2 `acr`,
 * RFC 9470 `acr_values`). The leaf vocabulary of the MFA decision: it imports nothing but the proof.
 */
export const PASSWORD_ACR = 'urn:warden:acr:pwd';
export const MFA_ACR = 'urn:warden:acr:mfa';
/** The OpenID PAPE multi-factor policy, which some relying parties send instead of Warden's own. */
export const PAPE_MULTI_FACTOR_ACR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';

/** Every acr a relying party may ask for (discovery's `acr_values_supported`). */
export const SUPPORTED_ACR_VALUES = [PASSWORD_ACR, MFA_ACR, PAPE_MULTI_FACTOR_ACR] as const;

/** ACR values that name the MFA level. */
export const MFA_ACR_VALUES: ReadonlySet<string> = new Set([MFA_ACR, PAPE_MULTI_FACTOR_ACR]);

/** The acr a sign-in reached, read off its amr. */
export function acrFor(amr: readonly string[]): string {
  return hasMfaProof(amr) ? MFA_ACR : PASSWORD_ACR;
}
