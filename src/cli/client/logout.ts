import * as client from 'openid-client';
import type { Command } from '../command.ts';
import { EXIT } from '../errors.ts';
import { note, out, printJson } from '../output.ts';
import { authorityOf } from '../session/authority.ts';
import type { StoredSession } from '../session/token-cache.ts';
import { CLIENT_FLAGS, JSON_FLAG, targetOf } from './target.ts';

/** RFC 7009: the server forgets the refresh token (and its chain); best effort, the cache is cleared anyway. */
async function revoke(session: StoredSession): Promise<boolean> {
  if (!session.refreshToken) return true;
  try {
    const authority = await authorityOf(session.server, session.issuer, session.clientId);
    await client.tokenRevocation(authority.config, session.refreshToken, {
      token_type_hint: 'refresh_token',
    });
    return true;
  } catch {
    return false;
  }
}

export const logoutCommand: Command = {
  path: ['logout'],
  summary: 'Sign out: revoke the refresh token at the server and remove the cached tokens.',
  flags: {
    ...CLIENT_FLAGS,
    all: { type: 'boolean', description: 'Sign out of every tenant at every server.' },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const { cache } = target;
    // Under the lock on a fresh read: the refresh token revoked is the current one (not one another
    // process has rotated since), and removing this session keeps what others stored meanwhile.
    const results = await cache.locked(
      async () => {
        const sessions = invocation.values.all
          ? cache.sessions()
          : [cache.find(target.server, target.tenant)].filter((s) => s !== undefined);
        const signedOut = [];
        for (const session of sessions) {
          const revoked = await revoke(session);
          cache.remove(session);
          signedOut.push({
            server: session.server,
            tenant: session.tenantName,
            user: session.user.upn,
            revoked,
          });
          if (!revoked)
            note(
              `Could not reach ${session.server} to revoke the refresh token; it was removed here anyway.`,
            );
        }
        return signedOut;
      },
      () => note('Another warden process is using the token cache; waiting for it…'),
    );
    if (target.json) printJson({ signedOut: results });
    else if (results.length === 0) out('Not signed in; nothing to sign out of.');
    else for (const r of results) out(`Signed out of ${r.tenant} (${r.user}) at ${r.server}.`);
    return EXIT.ok;
  },
};
