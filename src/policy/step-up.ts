import { MFA_ACR_VALUES } from './acr.ts';

/**
 * THE reading of a relying party's request for full-strength authentication (issue 2 item 6).
 * The sign-in policy (sign-in-requirement.ts) and the authority's login prompt (tokens/provider.ts)
 * both ask this, so a request that makes the policy demand MFA also makes the authority refuse to
 * reuse a session without it.
 */
export type StepUpRequest = 'amr_values' | 'acr_values' | 'claims' | 'max_age' | 'prompt_login';

function words(value: unknown): string[] {
  return typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : [];
}

/**
 * OIDC Core §5.5.1.1: the `claims` parameter may ask for `acr` as an essential claim of the ID token
 * or userinfo, with `value` or `values`; naming an MFA acr there asks for MFA like `acr_values`.
 */
function claimsAskForMfa(claims: unknown): boolean {
  let parsed: unknown = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return false; // oidc-provider refuses a malformed claims parameter before any sign-in
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return false;
  for (const target of ['id_token', 'userinfo'] as const) {
    const acr = (parsed as Record<string, { acr?: unknown } | undefined>)[target]?.acr;
    if (typeof acr !== 'object' || acr === null) continue;
    const { value, values } = acr as { value?: unknown; values?: unknown };
    const named = [...(typeof value === 'string' ? [value] : []), ...(Array.isArray(values) ? values : [])];
    if (named.some((v) => typeof v === 'string' && MFA_ACR_VALUES.has(v))) return true;
  }
  return false;
}

/** Reads a step-up request from authorization request parameters; undefined when none. */
export function stepUpFrom(params: Record<string, unknown>): StepUpRequest | undefined {
  if (words(params.amr_values).includes('mfa')) return 'amr_values';
  if (words(params.acr_values).some((v) => MFA_ACR_VALUES.has(v))) return 'acr_values';
  if (claimsAskForMfa(params.claims)) return 'claims';
  if (params.max_age !== undefined && params.max_age !== null && params.max_age !== '') return 'max_age';
  // oidc-provider turns max_age=0 into prompt=login (OIDC Core §3.1.2.1), so a request for fresh
  // authentication is one for full-strength authentication either way.
  if (words(params.prompt).includes('login')) return 'prompt_login';
  return undefined;
}
