import { JSON_FLAG } from '../client/target.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../errors.ts';
import { out, printJson } from '../output.ts';
import { describeChain, INACTIVITY_DAYS, samFile } from './store.ts';
import { storedChain } from './token.ts';

function daysAgo(days: number): string {
  return days === 0 ? 'today' : `${days} day${days === 1 ? '' : 's'} ago`;
}

export const samStatusCommand: Command = {
  path: ['sam', 'status'],
  summary:
    'Secure Application Model: the stored chain — application, tenant, age, last use, days to inactivity expiry, amr.',
  details: `Reads the SAM file only; nothing is sent to the server and the refresh token is never printed. A chain expires ${INACTIVITY_DAYS} days after its last use (reference §3.2); every warden sam token renews it.`,
  flags: { ...JSON_FLAG },
  async run(invocation) {
    const file = samFile();
    const s = describeChain(storedChain(file), file);
    if (invocation.values.json) {
      printJson(s);
      return EXIT.ok;
    }
    out(
      [
        `File:         ${s.file}`,
        `Server:       ${s.server}`,
        `Application:  ${s.clientId}`,
        `Tenant:       ${s.tenant} (${s.tenantId})`,
        `User:         ${s.user}`,
        `Methods:      amr [${s.amr.join(', ')}]`,
        `Consented:    ${s.consentedAt} (${daysAgo(s.ageDays)})`,
        `Last used:    ${s.lastUsedAt}`,
        s.expired
          ? `Expires:      ${s.inactivityExpiresAt}: expired through inactivity; run warden sam consent again`
          : `Expires:      ${s.inactivityExpiresAt} if unused (${s.daysLeft} day${s.daysLeft === 1 ? '' : 's'} left)`,
      ].join('\n'),
    );
    return EXIT.ok;
  },
};
