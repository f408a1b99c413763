/** The most a posted WebAuthn response may hold (an assertion is well under 4 KiB; attestation chains more). */
const RESPONSE_MAX = 32_768;

/**
 * The WebAuthn response a passkey form's script posted in its `credential` field (JSON of
 * @simplewebauthn/browser's RegistrationResponseJSON or AuthenticationResponseJSON), or undefined
 * when it is missing, too long or not a JSON object. The verifier checks the rest.
 */
export function postedWebAuthnResponse<T>(raw: string | undefined): T | undefined {
  if (!raw || raw.length > RESPONSE_MAX) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}
