import type { Command, Invocation } from '../command.ts';
import { stringFlag } from '../command.ts';
import { EXIT, RefusedError, UsageError } from '../errors.ts';
import { out, printJson, table } from '../output.ts';
import { graph } from './api.ts';
import { CLIENT_FLAGS, JSON_FLAG, targetOf } from './target.ts';

/*
 * warden methods … (issue 15 items 2 and 8): a user's registered methods (list, remove), their
 * Temporary Access Pass and the tenant's setting that a privileged user's first registration needs
 * one; client commands over Graph, like any outside tool (docs/authentication-methods.md).
 */

const USER = '<user id or upn>';
const POLICY = '/policies/authenticationMethodsPolicy';

function authenticationPath(invocation: Invocation): string {
  return `/users/${encodeURIComponent(invocation.positionals[0]!)}/authentication`;
}

/** Graph's method types, in words, and the collection of each (the server refuses a password's DELETE). */
const KINDS: Record<string, { name: string; collection: string }> = {
  '#microsoft.graph.passwordAuthenticationMethod': { name: 'password', collection: 'passwordMethods' },
  '#microsoft.graph.softwareOathAuthenticationMethod': {
    name: 'authenticator app',
    collection: 'softwareOathMethods',
  },
  '#microsoft.graph.fido2AuthenticationMethod': { name: 'passkey', collection: 'fido2Methods' },
  '#microsoft.graph.temporaryAccessPassAuthenticationMethod': {
    name: 'temporary access pass',
    collection: 'temporaryAccessPassMethods',
  },
};

const kindOf = (method: Record<string, unknown>) => KINDS[String(method['@odata.type'])];

/** What a passkey says of itself (its type and attestation); nothing for the others. */
function detailOf(method: Record<string, unknown>): string {
  if (method['@odata.type'] !== '#microsoft.graph.fido2AuthenticationMethod') return '';
  return `${method.passkeyType === 'synced' ? 'synced' : 'device-bound'}, ${method.attestationLevel === 'attested' ? 'attested' : 'not attested'}`;
}

const methodsListCommand: Command = {
  path: ['methods', 'list'],
  summary: "List a user's registered authentication methods (password, authenticator apps, passkeys, pass).",
  args: USER,
  positionals: { min: 1, max: 1 },
  details:
    'Graph: GET /v1.0/users/{id | userPrincipalName}/authentication/methods. Needs a role that reads authentication methods (docs/authentication-methods.md).',
  flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    const answer = await graph(target, 'GET', `${authenticationPath(invocation)}/methods`);
    const rows = (answer.value ?? []) as Record<string, unknown>[];
    if (target.json) printJson(rows);
    else
      out(
        table(rows, [
          { key: 'id', title: 'ID' },
          { key: '@odata.type', title: 'TYPE', format: (r) => kindOf(r)?.name ?? String(r['@odata.type']) },
          { key: 'displayName', title: 'NAME', format: (r) => String(r.displayName ?? '') },
          { key: 'createdDateTime', title: 'ADDED', format: (r) => String(r.createdDateTime ?? '') },
          { key: 'passkeyType', title: 'DETAILS', format: detailOf },
        ]),
      );
    return EXIT.ok;
  },
};

const methodsRemoveCommand: Command = {
  path: ['methods', 'remove'],
  summary:
    "Remove one of a user's authenticator apps or passkeys (the last one is kept while MFA is required).",
  args: `${USER} <method id>`,
  positionals: { min: 2, max: 2 },
  details:
    'Graph: GET /v1.0/users/{id}/authentication/methods/{method id} for its type, then DELETE /v1.0/users/{id}/authentication/{softwareOathMethods | fido2Methods | temporaryAccessPassMethods}/{method id}. A password is never removed (Graph answers badRequest: reset it instead); nor is the last MFA method of a user whom policy requires MFA of.',
  flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    const [user, methodId] = invocation.positionals as [string, string];
    const id = encodeURIComponent(methodId);
    const method = await graph(target, 'GET', `${authenticationPath(invocation)}/methods/${id}`);
    const kind = kindOf(method);
    if (!kind)
      throw new RefusedError(
        `${methodId} is a ${String(method['@odata.type'])}, which Warden cannot remove.`,
      );
    await graph(target, 'DELETE', `${authenticationPath(invocation)}/${kind.collection}/${id}`);
    if (target.json) printJson({ id: method.id, '@odata.type': method['@odata.type'], removed: true });
    else out(`The ${kind.name} ${methodId} of ${user} was removed.`);
    return EXIT.ok;
  },
};

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
  methodsListCommand,
  methodsRemoveCommand,
  createCommand,
  listCommand,
  deleteCommand,
  firstRegistration('show'),
  firstRegistration('enable'),
  firstRegistration('disable'),
];
