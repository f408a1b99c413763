/**
 * The `WWW-Authenticate` value of a Bearer challenge (RFC 6750 §3), with RFC 9470 §3's step-up
 * parameter. Parameters come in a fixed order: realm, error, error_description, scope, acr_values.
 */
export interface BearerChallenge {
  realm?: string;
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'insufficient_user_authentication';
  errorDescription?: string;
  scope?: string;
  /** RFC 9470 §3: the ACR values that would satisfy the resource. */
  acrValues?: string;
}

export function bearerChallenge(challenge: BearerChallenge): string {
  const params: string[] = [];
  if (challenge.realm !== undefined) params.push(`realm=${quotedString(challenge.realm)}`);
  if (challenge.error !== undefined) params.push(`error="${challenge.error}"`);
  if (challenge.errorDescription !== undefined)
    params.push(`error_description="${restricted(challenge.errorDescription)}"`);
  if (challenge.scope !== undefined) params.push(`scope="${restricted(challenge.scope)}"`);
  if (challenge.acrValues !== undefined) params.push(`acr_values="${restricted(challenge.acrValues)}"`);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

/**
 * RFC 6750 §3: error, error_description and scope "MUST NOT include characters outside the set
 * %x20-21 / %x23-5B / %x5D-7E" — no quote, no backslash, nothing outside printable ASCII — so
 * those are replaced, not escaped (a quote becomes an apostrophe, anything else a question mark).
 */
function restricted(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, (c) => (c === '"' || c === '\\' ? "'" : '?'));
}

/** RFC 9110 §5.6.4 quoted-string: quote and backslash as quoted pairs; control characters dropped. */
function quotedString(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  return `"${text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
