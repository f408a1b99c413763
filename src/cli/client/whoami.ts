import type { Command } from '../command.ts';
import { EXIT } from '../errors.ts';
import { out, printJson } from '../output.ts';
import { describeSession } from './login.ts';
import { CLIENT_FLAGS, JSON_FLAG, sessionOf, targetOf } from './target.ts';

function until(iso: string, now = Date.now()): string {
  const minutes = Math.round((Date.parse(iso) - now) / 60_000);
  return minutes >= 0 ? `${iso} (in ${minutes} min)` : `${iso} (expired)`;
}

export const whoamiCommand: Command = {
  path: ['whoami'],
  summary: 'Show the signed-in user, tenant, sign-in methods (amr), MFA status and token expiry.',
  details: 'Reads the token cache only; nothing is sent to the server.',
  flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    const s = describeSession(sessionOf(target));
    if (target.json) {
      printJson(s);
      return EXIT.ok;
    }
    out(
      [
        `User:     ${s.user}${s.name ? ` (${s.name})` : ''}, object id ${s.objectId}`,
        `Tenant:   ${s.tenant} (${s.tenantId}) at ${s.server}`,
        `Methods:  amr [${s.amr.join(', ')}]: ${s.mfa ? 'MFA verified' : 'not MFA-verified'}`,
        ...(s.authTime ? [`Signed in: ${s.authTime}`] : []),
        ...Object.entries(s.accessTokens).map(([aud, t]) => `Token:    ${aud} expires ${until(t.expiresAt)}`),
        `Refresh:  ${s.refreshToken === 'cached' ? 'a refresh token is cached' : 'none: run warden login'}`,
      ].join('\n'),
    );
    return EXIT.ok;
  },
};
