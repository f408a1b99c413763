import { DEFAULT_SERVER } from '../client/target.ts';
import { type Flags, type Invocation, stringFlag } from '../command.ts';
import { UsageError } from '../errors.ts';

/** The flags of the application's credential; the environment variable keeps it out of `ps`. */
export const SECRET_FLAGS: Flags = {
  'client-secret': {
    type: 'string',
    value: '<secret>',
    description:
      "The application's client secret (default: $WARDEN_SAM_CLIENT_SECRET, which keeps it out of the process list). Never stored.",
  },
};

/**
 * The application's secret for this run. SAM requires app and user credentials together
 * (reference §3.1); the secret is asked each time rather than kept next to the refresh token, so
 * the file alone redeems nothing.
 */
export function clientSecretOf(invocation: Invocation, command: string): string {
  const secret = stringFlag(invocation, 'client-secret') ?? process.env.WARDEN_SAM_CLIENT_SECRET;
  if (!secret) {
    throw new UsageError(
      `${command} needs the application's client secret.`,
      'Pass --client-secret <secret> or set WARDEN_SAM_CLIENT_SECRET.',
    );
  }
  return secret;
}

/** What to run when the chain is gone (expired, revoked): the one interactive step again. */
export function consentHint(clientId: string, tenant: string, server: string): string {
  return `Run warden sam consent --client-id ${clientId} --tenant ${tenant}${server === DEFAULT_SERVER ? '' : ` --server ${server}`} again (one sign-in with MFA).`;
}
