import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { JSON_FLAG, normalizeServer } from '../client/target.ts';
import type { Command, Invocation } from '../command.ts';
import { stringFlag } from '../command.ts';
import { EXIT, NotSignedInError, RefusedError, UsageError } from '../errors.ts';
import { note, out, printJson } from '../output.ts';
import { GRAPH, PARTNER_API } from '../session/access-token.ts';
import { type Authority, authorityOf, discoverAuthority } from '../session/authority.ts';
import type { Tokens } from '../session/sign-in.ts';
import { redemptionFailure } from './failures.ts';
import { clientSecretOf, consentHint, SECRET_FLAGS } from './options.ts';
import { readChain, type SamChain, samFile, withChainLock, writeChain } from './store.ts';

const RESOURCES: Record<string, string> = { 'partner-api': PARTNER_API, graph: GRAPH };

/** The stored chain, or "not consented" (exit 3) with the one command that makes one. */
export function storedChain(file: string): SamChain {
  const chain = readChain(file);
  if (chain) return chain;
  throw new NotSignedInError(
    `No Secure Application Model consent is stored (${file}).`,
    'Run: warden sam consent --client-id <id> --tenant <partner domain>',
  );
}

/** --server, if given, must be the chain's: its refresh token is good at no other server. */
function checkServer(invocation: Invocation, chain: SamChain): void {
  const given = stringFlag(invocation, 'server') ?? process.env.WARDEN_SERVER;
  if (given && normalizeServer(given) !== chain.server) {
    throw new UsageError(
      `The stored consent is for ${chain.server}, not ${normalizeServer(given)}.`,
      'Use WARDEN_SAM_FILE to keep one file per server.',
    );
  }
}

export const samTokenCommand: Command = {
  path: ['sam', 'token'],
  summary:
    "Secure Application Model: an access token from the stored refresh token (the partner's, or a customer's with --tenant).",
  details:
    "Redeems the stored refresh token with the application's secret (RFC 6749 §6) at the partner's authority, or with --tenant at a customer's authority (admin on behalf of, for a user with an active relationship to that customer). The server rotates the refresh token on every use; the new one is stored (atomically) before the access token is printed. Expired through inactivity (AADSTS700082) or revoked (AADSTS50173): run warden sam consent again (exit 3).",
  flags: {
    server: {
      type: 'string',
      value: '<url>',
      description: 'The Warden server (default: the one the consent was made at; must match it).',
    },
    resource: {
      type: 'string',
      value: '<partner-api|graph>',
      description: 'The API the token is for (required).',
    },
    tenant: {
      type: 'string',
      value: '<domain or id>',
      description: "A customer tenant: redeem at its authority (default: the partner's).",
    },
    ...SECRET_FLAGS,
    ...JSON_FLAG,
  },
  async run(invocation) {
    const name = stringFlag(invocation, 'resource');
    const resource = name ? RESOURCES[name] : undefined;
    if (!resource) {
      throw new UsageError(
        name ? `Unknown resource '${name}'.` : 'warden sam token needs --resource.',
        'Use --resource partner-api or --resource graph.',
      );
    }
    const secret = clientSecretOf(invocation, 'warden sam token');
    const customer = stringFlag(invocation, 'tenant');
    const file = samFile();
    const { tokens, chain } = await withChainLock(
      file,
      async () => {
        // Read under the lock: the refresh token redeemed is the newest one, never one another
        // process has already used (a replay would revoke the chain).
        const chain = storedChain(file);
        checkServer(invocation, chain);
        const authority: Authority = customer
          ? await discoverAuthority(chain.server, customer, chain.clientId, secret)
          : await authorityOf(chain.server, chain.issuer, chain.clientId, secret);
        let tokens: Tokens;
        try {
          tokens = await client.refreshTokenGrant(authority.config, chain.refreshToken, {
            scope: `${resource}/.default`,
          });
        } catch (error) {
          throw redemptionFailure(
            authority,
            error,
            consentHint(chain.clientId, chain.tenantName, chain.server),
            customer,
          );
        }
        // Stored before anything is printed: the old token is spent, the new one is the chain.
        if (tokens.refresh_token) chain.refreshToken = tokens.refresh_token;
        else note('The server did not rotate the refresh token; the stored one stays.');
        chain.lastUsedAt = new Date().toISOString();
        writeChain(file, chain);
        return { tokens, chain };
      },
      () => note('Another warden process is using the SAM file; waiting for it…'),
    );
    const claims = decodeJwt(tokens.access_token);
    const audience = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
    if (audience !== resource) {
      throw new RefusedError(
        `The server issued a token for ${audience || 'no audience'} when ${resource} was asked for.`,
      );
    }
    if (invocation.values.json) {
      printJson({
        tokenType: tokens.token_type,
        accessToken: tokens.access_token,
        expiresIn: tokens.expires_in,
        expiresAt: claims.exp ? new Date(claims.exp * 1000).toISOString() : undefined,
        resource,
        tenant: customer ?? chain.tenantName,
        tenantId: claims.tid,
        amr: claims.amr,
      });
    } else out(tokens.access_token);
    return EXIT.ok;
  },
};
