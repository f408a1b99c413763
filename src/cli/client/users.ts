import type { Command, Flags, Invocation } from '../command.ts';
import { stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { type Column, note, out, Progress, printJson, type Row, table } from '../output.ts';
import { collectionPath, graph, graphAll, PAGE_SIZE_FLAG } from './api.ts';
import { CLIENT_FLAGS, JSON_FLAG, type Target, targetOf } from './target.ts';
import { temporaryPassword } from './temporary-password.ts';

// `warden users …` over Graph's /v1.0/users (issue 4 item 1): the directory user as Graph shapes it.

const USER = '<user id or upn>';
const COLUMNS: Column[] = [
  { key: 'userPrincipalName', title: 'USER PRINCIPAL NAME' },
  { key: 'displayName', title: 'DISPLAY NAME' },
  { key: 'accountEnabled', title: 'ENABLED', format: (r) => (r.accountEnabled === false ? 'no' : 'yes') },
  { key: 'id', title: 'ID' },
];

const PROFILE_FLAGS: Flags = {
  'display-name': { type: 'string', value: '<name>', description: 'Display name.' },
  'given-name': { type: 'string', value: '<name>', description: 'Given (first) name.' },
  surname: { type: 'string', value: '<name>', description: 'Surname.' },
};

function userPath(invocation: Invocation): string {
  return `/users/${encodeURIComponent(invocation.positionals[0]!)}`;
}

function show(target: Target, user: Row): void {
  if (target.json) printJson(user);
  else
    out(
      Object.entries(user)
        .filter(([k]) => !k.startsWith('@odata'))
        .map(([k, v]) => `${k}: ${v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join('\n'),
    );
}

/** Graph's profile properties from the flags that were given. */
function profileOf(invocation: Invocation): Row {
  const profile: Row = {};
  const map: [string, string][] = [
    ['display-name', 'displayName'],
    ['given-name', 'givenName'],
    ['surname', 'surname'],
    ['upn', 'userPrincipalName'],
  ];
  for (const [flag, property] of map) {
    const value = stringFlag(invocation, flag);
    if (value !== undefined) profile[property] = value;
  }
  return profile;
}

/** The initial password: given, or generated and then printed once (it is the command's result). */
function initialPassword(invocation: Invocation): { password: string; generated: boolean } {
  const given = stringFlag(invocation, 'password');
  return given ? { password: given, generated: false } : { password: temporaryPassword(), generated: true };
}

const listCommand: Command = {
  path: ['users', 'list'],
  summary: "List the tenant's users (all pages).",
  details:
    'Graph: GET /v1.0/users, following @odata.nextLink. --filter takes an OData filter, e.g. "startswith(userPrincipalName,\'j\')".',
  flags: {
    ...CLIENT_FLAGS,
    filter: { type: 'string', value: '<odata>', description: 'An OData $filter expression.' },
    ...PAGE_SIZE_FLAG,
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const filter = stringFlag(invocation, 'filter');
    const path = collectionPath('/users', invocation, { $filter: filter });
    const users = (await graphAll(target, path, new Progress(), 'users')) as Row[];
    if (target.json) printJson(users);
    else out(table(users, COLUMNS));
    return EXIT.ok;
  },
};

const getCommand: Command = {
  path: ['users', 'get'],
  summary: 'Show one user.',
  args: USER,
  positionals: { min: 1, max: 1 },
  details: 'Graph: GET /v1.0/users/{id | userPrincipalName}.',
  flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    show(target, await graph(target, 'GET', userPath(invocation)));
    return EXIT.ok;
  },
};

const createCommand: Command = {
  path: ['users', 'create'],
  summary: 'Create a user with a temporary password that must be changed at the first sign-in.',
  details:
    'Graph: POST /v1.0/users. Without --password a strong temporary password is generated and printed once. The user registers MFA at the first sign-in when the tenant requires it.',
  flags: {
    ...CLIENT_FLAGS,
    upn: {
      type: 'string',
      value: '<upn>',
      description: 'User principal name (required), e.g. alex@contoso.example.',
    },
    ...PROFILE_FLAGS,
    password: { type: 'string', value: '<password>', description: 'Initial password (default: generated).' },
    disabled: { type: 'boolean', description: 'Create the account disabled.' },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const profile = profileOf(invocation);
    if (!profile.userPrincipalName)
      throw new UsageError('warden users create needs --upn <upn>.', 'Run: warden users create --help');
    profile.displayName ??= String(profile.userPrincipalName).split('@')[0];
    const { password, generated } = initialPassword(invocation);
    const user = await graph(target, 'POST', '/users', {
      ...profile,
      accountEnabled: invocation.values.disabled !== true,
      passwordProfile: { password, forceChangePasswordNextSignIn: true },
    });
    if (target.json) printJson({ ...user, ...(generated ? { temporaryPassword: password } : {}) });
    else {
      out(`Created ${user.userPrincipalName} (${user.id}).`);
      if (generated) out(`Temporary password (shown once; to be changed at the first sign-in): ${password}`);
    }
    return EXIT.ok;
  },
};

const updateCommand: Command = {
  path: ['users', 'update'],
  summary: "Change a user's names or user principal name.",
  args: USER,
  positionals: { min: 1, max: 1 },
  details: 'Graph: PATCH /v1.0/users/{id | userPrincipalName} with the properties given.',
  flags: {
    ...CLIENT_FLAGS,
    ...PROFILE_FLAGS,
    upn: { type: 'string', value: '<upn>', description: 'New user principal name.' },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const changes = profileOf(invocation);
    if (Object.keys(changes).length === 0)
      throw new UsageError('Nothing to change: give --display-name, --given-name, --surname or --upn.');
    await graph(target, 'PATCH', userPath(invocation), changes);
    // Read back under the new name when the UPN itself changed.
    const path = changes.userPrincipalName
      ? `/users/${encodeURIComponent(String(changes.userPrincipalName))}`
      : userPath(invocation);
    show(target, await graph(target, 'GET', path));
    return EXIT.ok;
  },
};

function enablement(enable: boolean): Command {
  return {
    path: ['users', enable ? 'enable' : 'disable'],
    summary: enable ? 'Allow a user to sign in again.' : "Block a user's sign-ins and end their sessions.",
    args: USER,
    positionals: { min: 1, max: 1 },
    details: `Graph: PATCH /v1.0/users/{id | userPrincipalName} { accountEnabled: ${enable} }.`,
    flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
    async run(invocation) {
      const target = targetOf(invocation);
      await graph(target, 'PATCH', userPath(invocation), { accountEnabled: enable });
      const user = await graph(target, 'GET', userPath(invocation));
      if (target.json) printJson(user);
      else out(`${user.userPrincipalName} is ${enable ? 'enabled' : 'disabled'}.`);
      return EXIT.ok;
    },
  };
}

const deleteCommand: Command = {
  path: ['users', 'delete'],
  summary: 'Delete a user.',
  args: USER,
  positionals: { min: 1, max: 1 },
  details: 'Graph: DELETE /v1.0/users/{id | userPrincipalName}. Needs --yes.',
  flags: {
    ...CLIENT_FLAGS,
    yes: { type: 'boolean', short: 'y', description: 'Confirm the deletion (required).' },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const who = invocation.positionals[0]!;
    if (!invocation.values.yes)
      throw new UsageError(
        `Deleting ${who} cannot be undone; it needs --yes.`,
        `Run: warden users delete ${who} --yes`,
      );
    await graph(target, 'DELETE', userPath(invocation));
    if (target.json) printJson({ deleted: who });
    else out(`Deleted ${who}.`);
    return EXIT.ok;
  },
};

// Graph's fixed id of every user's password authentication method.
const PASSWORD_METHOD = '28c10230-6103-485e-b985-444c60001490';

const resetPasswordCommand: Command = {
  path: ['users', 'reset-password'],
  summary: 'Give a user a temporary password that must be changed at the next sign-in.',
  args: USER,
  positionals: { min: 1, max: 1 },
  details: `Graph: POST /v1.0/users/{id | userPrincipalName}/authentication/methods/${PASSWORD_METHOD}/resetPassword. Without --password the server generates one, printed here once.`,
  flags: {
    ...CLIENT_FLAGS,
    password: {
      type: 'string',
      value: '<password>',
      description: 'The temporary password (default: generated).',
    },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const given = stringFlag(invocation, 'password');
    const answer = await graph(
      target,
      'POST',
      `${userPath(invocation)}/authentication/methods/${PASSWORD_METHOD}/resetPassword`,
      given ? { newPassword: given } : {},
    );
    const who = invocation.positionals[0]!;
    const generated = typeof answer?.newPassword === 'string' ? (answer.newPassword as string) : undefined;
    if (target.json) printJson({ user: who, ...(generated ? { temporaryPassword: generated } : {}) });
    else {
      out(`The password of ${who} was reset; it must be changed at the next sign-in.`);
      if (generated) out(`Temporary password (shown once): ${generated}`);
    }
    if (given) note('A password given on the command line may stay in the shell history.');
    return EXIT.ok;
  },
};

export const usersCommands: Command[] = [
  listCommand,
  getCommand,
  createCommand,
  updateCommand,
  enablement(false),
  enablement(true),
  deleteCommand,
  resetPasswordCommand,
];
