import type { Command } from '../command.ts';
import { EXIT } from '../errors.ts';
import { out, printJson } from '../output.ts';
import { graph } from './api.ts';
import { CLIENT_FLAGS, JSON_FLAG, targetOf } from './target.ts';

const POLICY = '/policies/identitySecurityDefaultsEnforcementPolicy';

function describe(command: 'show' | 'enable' | 'disable'): Command {
  const change = command === 'show' ? undefined : command === 'enable';
  return {
    path: ['security-defaults', command],
    summary:
      change === undefined
        ? "Show whether the tenant's security defaults are on (SPEC §5)."
        : `Turn the tenant's security defaults ${change ? 'on' : 'off'} (SPEC §5; needs an administrator signed in with MFA).`,
    details: `Graph: ${change === undefined ? 'GET' : 'PATCH { isEnabled }, then GET'} /v1.0${POLICY}.`,
    flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
    async run(invocation) {
      const target = targetOf(invocation);
      if (change !== undefined) await graph(target, 'PATCH', POLICY, { isEnabled: change });
      const policy = await graph(target, 'GET', POLICY);
      if (target.json) printJson(policy);
      else {
        out(
          `Security defaults are ${policy.isEnabled ? 'ON' : 'OFF'}${change === undefined ? '' : ' now'}` +
            `${policy.isEnabled ? ': every user registers for MFA and administrators use it at every sign-in.' : '.'}`,
        );
      }
      return EXIT.ok;
    },
  };
}

export const securityDefaultsCommands: Command[] = [
  describe('show'),
  describe('enable'),
  describe('disable'),
];
