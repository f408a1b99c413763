import { readFileSync } from 'node:fs';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Command } from '../command.ts';
import { stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { out, printJson } from '../output.ts';
import { GRAPH, PARTNER_API } from '../session/access-token.ts';
import { verifyJwt } from '../session/verify.ts';
import { DEFAULT_CLIENT_ID } from './login.ts';
import { CLIENT_FLAGS, JSON_FLAG, targetOf, tokenFor } from './target.ts';

const RESOURCES: Record<string, string> = { 'partner-api': PARTNER_API, graph: GRAPH };

/** Seconds-since-epoch claims, shown as dates for people. */
const TIME_CLAIMS = ['iat', 'nbf', 'exp', 'auth_time'];

export const tokenDecodeCommand: Command = {
  path: ['token', 'decode'],
  summary:
    "Show a JWT's header and claims: the given one, one read from stdin (-), or the cached access token.",
  args: '[<jwt> | -]',
  positionals: { min: 0, max: 1 },
  details:
    'Decoding does not check the signature: the output says "not verified". With --verify the signature, issuer and times are checked with jose against the issuer\'s published keys (the issuer must be on --server).',
  flags: {
    ...CLIENT_FLAGS,
    resource: {
      type: 'string',
      value: '<partner-api|graph>',
      description: 'Without a token argument: which cached access token (default: partner-api).',
    },
    verify: { type: 'boolean', description: "Verify the signature against the issuer's keys (JWKS)." },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const given = invocation.positionals[0];
    let token: string;
    if (given === '-') token = readFileSync(0, 'utf8').trim();
    else if (given !== undefined) token = given.trim();
    else {
      const name = stringFlag(invocation, 'resource') ?? 'partner-api';
      const resource = RESOURCES[name];
      if (!resource) throw new UsageError(`--resource must be partner-api or graph, not '${name}'.`);
      token = (await tokenFor(target, resource)).token;
    }
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
      claims = decodeJwt(token) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`That is not a JWT: ${(error as Error).message}`);
    }
    const verified = invocation.values.verify === true;
    if (verified) {
      const clientId = target.cache.find(target.server, target.tenant)?.clientId ?? DEFAULT_CLIENT_ID;
      await verifyJwt(target.server, token, clientId);
    }
    if (target.json) {
      printJson({ header, claims, verified });
      return EXIT.ok;
    }
    const times = TIME_CLAIMS.filter((c) => typeof claims[c] === 'number').map(
      (c) => `  ${c}: ${new Date((claims[c] as number) * 1000).toISOString()}`,
    );
    out(
      [
        verified
          ? `Verified: signature, issuer and times checked against ${String(claims.iss)}.`
          : 'NOT VERIFIED: decoded only; the signature was not checked (use --verify).',
        'Header:',
        JSON.stringify(header, null, 2),
        'Claims:',
        JSON.stringify(claims, null, 2),
        ...(times.length ? ['Times (UTC):', ...times] : []),
      ].join('\n'),
    );
    return EXIT.ok;
  },
};
