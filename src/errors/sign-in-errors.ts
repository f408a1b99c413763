/**
 * Sign-in error codes (STYLE 4): AADSTS numbers as Microsoft Entra uses them, one catalogue.
 * The sign-in log stores the number; the UI shows the user message; docs/errors.md lists them
 * (a test keeps the two in step).
 */
export const SIGN_IN_ERRORS = {
  0: { name: 'Success', userMessage: 'Signed in.' },
  // SPEC E3, reference §2.6: Entra's answer when a partner user has no delegated access (no active
  // GDAP assignment, no DAP) in the tenant they sign in to.
  50020: {
    name: 'UserUnauthorized',
    userMessage:
      'Your account has no delegated administration access to this organisation now. Ask your partner administrator for a GDAP role assignment.',
  },
  // Reference §3.2: a refresh-token chain ended by a revocation (an administrator's password reset,
  // the account disabled, "revoke sessions", a replay, the delegated access it served ended).
  50173: {
    name: 'FreshTokenNeeded',
    userMessage: 'The sign-in this application holds was revoked. Sign in again.',
  },
  50053: {
    name: 'AccountLocked',
    userMessage: 'Too many attempts. Sign-in is locked for a while; try again later.',
  },
  50057: { name: 'UserDisabled', userMessage: 'This account is disabled. Contact your administrator.' },
  50074: {
    name: 'StrongAuthRequired',
    userMessage: 'Your organisation requires a second verification step.',
  },
  50076: {
    name: 'MfaRequiredNonInteractive',
    userMessage: 'Multi-factor authentication is required and cannot be done by this kind of sign-in.',
  },
  50079: {
    name: 'MfaRegistrationRequired',
    userMessage: 'You must register a verification method before you can sign in.',
  },
  50126: { name: 'InvalidCredentials', userMessage: 'Your account or password is incorrect.' },
  // SPEC §9, reference entra-identity §6.2: the user is at high risk (leaked credentials, confirmed
  // compromised); only an administrator's reset to a temporary password or dismissal unblocks.
  50135: {
    name: 'PasswordChangeCompromisedPassword',
    userMessage:
      'Your account is at risk: its password may be known to someone else. Ask your administrator to reset your password.',
  },
  53003: {
    name: 'BlockedByPolicy',
    userMessage: 'Access has been blocked by a policy of your organisation.',
  },
  // Reference §6.2: a user at risk may not register a first verification method.
  53004: {
    name: 'ProofUpBlockedDueToRisk',
    userMessage:
      'Your account is at risk, so a verification method cannot be registered now. Contact your administrator.',
  },
  70000: {
    name: 'InvalidGrant',
    userMessage: 'The refresh token or code is invalid, expired or already used.',
  },
  // SPEC §10, reference §3.2: a refresh-token chain nobody redeemed for 90 days.
  700082: {
    name: 'ExpiredOrRevokedGrantInactiveToken',
    userMessage:
      'The sign-in this application holds was not used for 90 days and has expired. Sign in again.',
  },
  // Service-principal sign-ins (client credentials, issue 12 item 5): Entra's codes for an app's
  // own token requests. The user message is the row's failure reason; no person reads it on a page.
  70003: {
    name: 'UnsupportedGrantType',
    userMessage: 'The app may not use the client credentials grant at this authority.',
  },
  70011: { name: 'InvalidScope', userMessage: 'The scope requested by the app is invalid.' },
  // Entra's answer to a refresh token redeemed for a resource the user has not consented to for
  // this app, or the app may not ask for (src/tokens/consented-resources.ts).
  65001: {
    name: 'DelegationDoesNotExist',
    userMessage: 'The user or administrator has not consented to use the application for this resource.',
  },
  90014: {
    name: 'InvalidRequest',
    userMessage: 'The token request is malformed or misses a required field.',
  },
  500011: {
    name: 'ResourceNotFound',
    userMessage: 'The resource the app asked a token for was not found in the tenant.',
  },
  700016: {
    name: 'ApplicationNotFound',
    userMessage: 'The application was not found in the directory of this tenant.',
  },
  700021: {
    name: 'ClientAssertionApplicationIdMismatch',
    userMessage: "The client assertion's issuer and subject must be the application id.",
  },
  700023: {
    name: 'InvalidClientAssertionAudience',
    userMessage: "The client assertion's audience is not this authority's token endpoint or issuer.",
  },
  700024: {
    name: 'ClientAssertionNotWithinValidTimeRange',
    userMessage: 'The client assertion is expired, not valid yet or has no expiry.',
  },
  700027: {
    name: 'InvalidClientAssertionSignature',
    userMessage:
      'The client assertion failed validation: unknown, expired or not-yet-valid certificate, wrong key or secret, refused algorithm, or an assertion already used.',
  },
  7000215: { name: 'InvalidClientSecret', userMessage: 'Invalid client secret provided.' },
  7000218: {
    name: 'ClientCredentialRequired',
    userMessage: "The request must authenticate the client with its 'client_secret'.",
  },
  500121: {
    name: 'StrongAuthFailed',
    userMessage: 'That code did not work. Check your authenticator app and try again.',
  },
} as const;

export type SignInErrorCode = keyof typeof SIGN_IN_ERRORS;

export function signInErrorMessage(code: SignInErrorCode): string {
  return SIGN_IN_ERRORS[code].userMessage;
}
