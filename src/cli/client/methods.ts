import type { Command, Invocation } from '../command.ts';
import { stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { out, printJson, table } from '../output.ts';
import { graph } from './api.ts';
import { CLIENT_FLAGS, JSON_FLAG, targetOf } from './target.ts';

/*
 * warden methods … (issue 15 item 2): a user's Temporary Access Pass and the tenant's setting that a
 * privileged user's first registration needs one; client commands over Graph, like any outside tool
 * (docs/authentication-methods.md).
 */

const USER = '<user id or upn>';
const POLICY = '/policies/authenticationMethodsPolicy';

function tapsPath(invocation: Invocation): string {
  return `/users/${encodeURIComponent(invocation.positionals[0]!)}/authentication/temporaryAccessPassMethods`;
}

const createCommand: Command = {
  path: ['methods', 'tap', 'create'],
  summary: 'Issue a Temporary Access Pass to a user (shown once).',
  args: USER,
  positionals: { min: 1, max: 1 },
  details:
    'Graph: POST /v1.0/users/{id | userPrincipalName}/authentication/temporaryAccessPassMethods. Lifetime 10–43200 minutes (default 60). The pass signs the user in instead of the password, once with --once.',
  flags: {
    ...CLIENT_FLAGS,
    lifetime: {
      type: 'string',
      value: '<minutes>',
      description: 'How long the pass works (10–43200; default 60).',
    },
    once: { type: 'boolean', description: 'The pass works for one sign-in only.' },
    start: { type: 'string', value: '<ISO 8601>', description: 'Usable from then (default: now).' },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const body: Record<string, unknown> = {};
    const lifetime = stringFlag(invocation, 'lifetime');
    if (lifetime !== undefined) {
      if (!/^\d{1,5}$/.test(lifetime)) throw new UsageError('--lifetime takes a whole number of minutes.');
      body.lifetimeInMinutes = Number(lifetime);
    }
    if (invocation.values.once === true) body.isUsableOnce = true;
    const start = stringFlag(invocation, 'start');
    if (start !== undefined) body.startDateTime = start;
    const tap = await graph(target, 'POST', tapsPath(invocation), body);
    if (target.json) printJson(tap);
    else {
      out(
        `Temporary Access Pass for ${invocation.positionals[0]}: ${tap.isUsableOnce ? 'one sign-in' : 'any number of sign-ins'}, ` +
          `${tap.lifetimeInMinutes} minutes from ${tap.startDateTime}.`,
      );
      out(`Pass (shown once): ${tap.temporaryAccessPass}`);
    }
    return EXIT.ok;
  },
};

const listCommand: Command = {
  path: ['methods', 'tap', 'list'],
  summary: "Show a user's Temporary Access Pass, if any (never the pass itself).",
  args: USER,
  positionals: { min: 1, max: 1 },
  details: 'Graph: GET /v1.0/users/{id | userPrincipalName}/authentication/temporaryAccessPassMethods.',
  flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    const answer = await graph(target, 'GET', tapsPath(invocation));
    const rows = (answer.value ?? []) as Record<string, unknown>[];
    if (target.json) printJson(rows);
    else
      out(
        table(rows, [
          { key: 'id', title: 'ID' },
          { key: 'startDateTime', title: 'START' },
          { key: 'lifetimeInMinutes', title: 'MINUTES' },
          { key: 'isUsableOnce', title: 'ONCE', format: (r) => (r.isUsableOnce ? 'yes' : 'no') },
          { key: 'methodUsabilityReason', title: 'USABLE' },
        ]),
      );
    return EXIT.ok;
  },
};

const deleteCommand: Command = {
  path: ['methods', 'tap', 'delete'],
  summary: "Delete a user's Temporary Access Pass.",
  args: `${USER} <pass id>`,
  positionals: { min: 2, max: 2 },
  details:
    'Graph: DELETE /v1.0/users/{id | userPrincipalName}/authentication/temporaryAccessPassMethods/{id}.',
  flags: { ...CLIENT_FLAGS },
  async run(invocation) {
    const target = targetOf(invocation);
    await graph(
      target,
      'DELETE',
      `${tapsPath(invocation)}/${encodeURIComponent(invocation.positionals[1]!)}`,
    );
    out(`The Temporary Access Pass of ${invocation.positionals[0]} was deleted.`);
    return EXIT.ok;
  },
};

function firstRegistration(command: 'show' | 'enable' | 'disable'): Command {
  const change = command === 'show' ? undefined : command === 'enable';
  return {
    path: ['methods', 'first-registration-tap', command],
    summary:
      change === undefined
        ? "Show whether a privileged user's first MFA registration needs a Temporary Access Pass."
        : `${change ? 'Require' : 'Stop requiring'} a Temporary Access Pass for a privileged user's first MFA registration.`,
    details: `Graph: ${change === undefined ? 'GET' : 'PATCH { firstRegistrationRequiresTemporaryAccessPass }, then GET'} /v1.0${POLICY}.`,
    flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
    async run(invocation) {
      const target = targetOf(invocation);
      if (change !== undefined)
        await graph(target, 'PATCH', POLICY, { firstRegistrationRequiresTemporaryAccessPass: change });
      const policy = await graph(target, 'GET', POLICY);
      if (target.json) printJson(policy);
      else
        out(
          policy.firstRegistrationRequiresTemporaryAccessPass
            ? 'A privileged user (administrator role or partner agent group) registers a first MFA method only after signing in with a Temporary Access Pass.'
            : 'A user registers a first MFA method after the password (no Temporary Access Pass needed).',
        );
      return EXIT.ok;
    },
  };
}

export const methodsCommands: Command[] = [
  createCommand,
  listCommand,
  deleteCommand,
  firstRegistration('show'),
  firstRegistration('enable'),
  firstRegistration('disable'),
];
