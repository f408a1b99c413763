import { WARDEN_CLI_APPLICATION } from '../../onboarding/first-party-applications.ts';
import { hasMfaProof } from '../../policy/mfa-proof.ts';
import type { Command, Flags, Invocation } from '../command.ts';
import { stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { note, out, printJson } from '../output.ts';
import { sessionFromSignIn } from '../session/access-token.ts';
import { discoverAuthority } from '../session/authority.ts';
import { signInWithBrowser, signInWithDeviceCode } from '../session/sign-in.ts';
import type { StoredSession } from '../session/token-cache.ts';
import { CLIENT_FLAGS, JSON_FLAG, type Target, targetOf } from './target.ts';

/**
 * The first-party public client `warden-cli` (README), by its application id: ID tokens name the
 * application id as `aud`, so a client validating them signs in by that, not the alias. --client-id
 * names another.
 */
export const DEFAULT_CLIENT_ID = WARDEN_CLI_APPLICATION.id!;

/** Flags of the commands that may sign in. */
export const SIGN_IN_FLAGS: Flags = {
  'device-code': {
    type: 'boolean',
    description:
      'Sign in with a code entered on another device (RFC 8628), e.g. on a machine without a browser.',
  },
  'no-browser': { type: 'boolean', description: 'Print the sign-in URL but do not try to open a browser.' },
  mfa: {
    type: 'boolean',
    description: 'Ask for multi-factor authentication even if policy would not (step-up).',
  },
  'client-id': {
    type: 'string',
    value: '<id>',
    description: `The public client to sign in as (default: warden-cli, application id ${DEFAULT_CLIENT_ID}).`,
  },
};

/** A summary of a session for people and scripts (no tokens). */
export function describeSession(session: StoredSession) {
  return {
    server: session.server,
    tenant: session.tenantName,
    tenantId: session.tenantId,
    user: session.user.upn,
    name: session.user.name,
    objectId: session.user.oid,
    amr: session.amr,
    mfa: hasMfaProof(session.amr),
    authTime: session.authTime ? new Date(session.authTime * 1000).toISOString() : undefined,
    clientId: session.clientId,
    accessTokens: Object.fromEntries(
      Object.entries(session.accessTokens).map(([aud, t]) => [
        aud,
        { expiresAt: new Date(t.expiresAt).toISOString() },
      ]),
    ),
    refreshToken: session.refreshToken ? 'cached' : 'none',
  };
}

/** Signs in interactively (browser or device code) and caches the session as the server's last one. */
export async function signIn(target: Target, invocation: Invocation): Promise<StoredSession> {
  const tenant = target.tenant ?? target.cache.find(target.server, undefined)?.tenantName;
  if (!tenant) {
    throw new UsageError(
      `Which tenant? There is no earlier sign-in at ${target.server} to default to.`,
      `Run: warden login --tenant <domain or id>${target.defaultServer ? '' : ` --server ${target.server}`}`,
    );
  }
  const clientId = stringFlag(invocation, 'client-id') ?? DEFAULT_CLIENT_ID;
  const authority = await discoverAuthority(target.server, tenant, clientId);
  const extra: Record<string, string> = invocation.values.mfa ? { amr_values: 'mfa' } : {};
  const tokens = invocation.values['device-code']
    ? await signInWithDeviceCode(authority, {
        extra,
        prompt: (r) => {
          const minutes = Math.round(r.expires_in / 60);
          note(
            `To sign in to ${tenant}, open ${r.verification_uri} in a browser on any device and enter the code ${r.user_code}` +
              `${r.verification_uri_complete ? `\n(or open ${r.verification_uri_complete})` : ''}.` +
              `\nThe code expires in ${minutes} minute${minutes === 1 ? '' : 's'}. Waiting for the sign-in to finish…`,
          );
        },
      })
    : await signInWithBrowser(authority, {
        openBrowser: invocation.values['no-browser'] !== true,
        extra,
        prompt: (url) =>
          note(
            `To sign in to ${tenant}, open this URL in a browser${invocation.values['no-browser'] ? '' : ' (trying to open it for you)'}:\n${url}\nWaiting for the sign-in to finish…`,
          ),
      });
  const session = sessionFromSignIn(authority, tenant, tokens);
  // A sign-in can take minutes; stored on a fresh read under the lock, so what other warden
  // processes stored meanwhile (e.g. another tenant's rotated refresh token) is kept.
  await target.cache.locked(
    async () => target.cache.put(session, { makeLast: true }),
    () => note('Another warden process is using the token cache; waiting for it…'),
  );
  return session;
}

export const loginCommand: Command = {
  path: ['login'],
  summary: 'Sign in to a tenant (browser with PKCE, or device code) and cache the tokens.',
  details:
    'Without --device-code a browser sign-in returns to a listener on 127.0.0.1 (RFC 8252). Tokens are cached in $XDG_CONFIG_HOME/warden/tokens.json (else ~/.config/warden/, mode 0600) per server and tenant; the refresh token gets access tokens for the Partner API and Graph when needed. Instructions go to stderr.',
  flags: { ...CLIENT_FLAGS, ...SIGN_IN_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    const session = await signIn(target, invocation);
    if (target.json) printJson(describeSession(session));
    else {
      out(
        `Signed in to ${session.tenantName} as ${session.user.upn} (amr: ${session.amr.join(', ') || 'none'}; ${hasMfaProof(session.amr) ? 'MFA verified' : 'no MFA'}).`,
      );
    }
    return EXIT.ok;
  },
};
