import * as client from 'openid-client';
import { hasMfaProof } from '../../policy/mfa-proof.ts';
import { CLIENT_FLAGS, JSON_FLAG, targetOf } from '../client/target.ts';
import type { Command } from '../command.ts';
import { stringFlag } from '../command.ts';
import { EXIT, RefusedError, UsageError } from '../errors.ts';
import { note, out, printJson } from '../output.ts';
import { type Authority, discoverAuthority } from '../session/authority.ts';
import { signInWithBrowser } from '../session/sign-in.ts';
import { verifyJwt } from '../session/verify.ts';
import { clientSecretOf, SECRET_FLAGS } from './options.ts';
import { INACTIVITY_DAYS, type SamChain, samFile, withChainLock, writeChain } from './store.ts';

/** RFC 7009, best effort: a chain the CLI will not keep (no MFA) should not live on at the server. */
async function revokeQuietly(authority: Authority, refreshToken: string): Promise<void> {
  try {
    await client.tokenRevocation(authority.config, refreshToken, { token_type_hint: 'refresh_token' });
  } catch {
    // The chain is refused here anyway; the server's own inactivity expiry ends it.
  }
}

export const samConsentCommand: Command = {
  path: ['sam', 'consent'],
  summary:
    "Secure Application Model: the integration user's one interactive consent (browser, PKCE, MFA); stores the refresh token.",
  details: `Signs the integration user in to the partner tenant in the browser (authorization code with PKCE S256, state and nonce; the listener is on 127.0.0.1 at a free port, RFC 8252), for the Partner API, Graph and offline_access, asking for MFA. The code is redeemed with the application's secret. Tokens whose amr has no mfa are refused. The refresh token is stored in ${'$'}XDG_CONFIG_HOME/warden/sam.json (else ~/.config/warden/; macOS ~/Library/Application Support/warden/, Windows %APPDATA%\\warden\\; WARDEN_SAM_FILE overrides), directory 0700, file 0600, replaced atomically; or, with --print, printed on stdout for a vault and stored nowhere. The secret is never stored. The chain lives while it is redeemed at least every ${INACTIVITY_DAYS} days (warden sam token).`,
  flags: {
    ...CLIENT_FLAGS,
    tenant: {
      type: 'string',
      value: '<domain or id>',
      description: 'The partner tenant (default: the one last signed in to with warden login).',
    },
    'client-id': { type: 'string', value: '<id>', description: "The partner's SAM application (required)." },
    ...SECRET_FLAGS,
    print: {
      type: 'boolean',
      description: 'Print the refresh token on stdout (for a vault) instead of storing it.',
    },
    'no-browser': { type: 'boolean', description: 'Print the sign-in URL but do not try to open a browser.' },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const clientId = stringFlag(invocation, 'client-id');
    if (!clientId) {
      throw new UsageError(
        'warden sam consent needs the application: --client-id <id>.',
        'In the demo: --client-id c0a1b2c3-0d0e-4f00-a000-00000000a002 (contoso-sam; its secret is in data/demo.json).',
      );
    }
    const secret = clientSecretOf(invocation, 'warden sam consent');
    const tenant = target.tenant ?? target.cache.find(target.server, undefined)?.tenantName;
    if (!tenant) {
      throw new UsageError(
        'Which partner tenant? There is no earlier sign-in to default to.',
        'Pass --tenant <domain or id>, e.g. --tenant contoso.example.',
      );
    }
    const authority = await discoverAuthority(target.server, tenant, clientId, secret);
    const noBrowser = invocation.values['no-browser'] === true;
    // LOGIN_SCOPE: openid profile offline_access and both APIs' delegated scopes, as reference §3.1 asks.
    const tokens = await signInWithBrowser(authority, {
      openBrowser: !noBrowser,
      nonce: true,
      // SAM's consent is the one interactive step and must carry MFA (reference §3.1 step 2).
      extra: { amr_values: 'mfa' },
      again: 'Run warden sam consent again.',
      prompt: (url) =>
        note(
          `To consent for ${clientId} in ${tenant}, sign in as the integration user (with MFA); open this URL in a browser${noBrowser ? '' : ' (trying to open it for you)'}:\n${url}\nWaiting for the sign-in to finish…`,
        ),
    });
    if (!tokens.refresh_token) {
      throw new RefusedError('The server returned no refresh token (offline_access was not granted).');
    }
    if (!tokens.id_token)
      throw new RefusedError('The server returned no ID token; the consent cannot be used.');
    // What the chain proves is what its verified ID token says, nothing more.
    const id = await verifyJwt(target.server, tokens.id_token, clientId);
    const amr = Array.isArray(id.amr) ? id.amr.map(String) : [];
    if (!hasMfaProof(amr)) {
      await revokeQuietly(authority, tokens.refresh_token);
      throw new RefusedError(
        `The consent carries no MFA proof (amr: ${amr.join(', ') || 'none'}); a Secure Application Model chain must (SPEC R2).`,
        'Sign in with a second factor: register an authenticator for the integration user, then run warden sam consent again.',
      );
    }
    const now = new Date().toISOString();
    const chain: SamChain = {
      version: 1,
      server: target.server,
      clientId,
      tenantId: authority.tenantId,
      tenantName: tenant.toLowerCase(),
      issuer: authority.issuer,
      user: { oid: String(id.oid ?? id.sub), upn: String(id.upn ?? id.preferred_username ?? id.sub) },
      amr,
      consentedAt: now,
      lastUsedAt: now,
      refreshToken: tokens.refresh_token,
    };
    const { refreshToken, ...about } = chain;
    if (invocation.values.print) {
      if (target.json) printJson({ ...about, refreshToken });
      else {
        note(
          `Consented as ${chain.user.upn} (amr: ${amr.join(', ')}). The refresh token follows on stdout; it is stored nowhere. Redeem it at least every ${INACTIVITY_DAYS} days and keep the newest one each time.`,
        );
        out(refreshToken);
      }
      return EXIT.ok;
    }
    const file = samFile();
    await withChainLock(
      file,
      async () => writeChain(file, chain),
      () => note('Another warden process is using the SAM file; waiting for it…'),
    );
    if (target.json) printJson({ ...about, file });
    else {
      out(
        `Consented as ${chain.user.upn} for ${clientId} in ${chain.tenantName} (amr: ${amr.join(', ')}; MFA verified).\nThe refresh token is stored in ${file} (mode 0600); it stays valid while it is used at least every ${INACTIVITY_DAYS} days.`,
      );
    }
    return EXIT.ok;
  },
};
