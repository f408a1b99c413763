import { type Command, stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { type Column, out, Progress, printJson, type Row, table } from '../output.ts';
import { collectionPath, graph, graphAll, PAGE_SIZE_FLAG } from './api.ts';
import { CLIENT_FLAGS, JSON_FLAG, type Target, targetOf } from './target.ts';

// `warden risk list|dismiss|confirm` (issue 15 item 8) over Graph's identityProtection
// (reference entra-identity §6.1): risky users and their detections.

const LEVELS = ['low', 'medium', 'high', 'none'];
const USERS = '<user id or upn>...';

const RISKY_COLUMNS: Column[] = [
  { key: 'userPrincipalName', title: 'USER PRINCIPAL NAME' },
  { key: 'riskLevel', title: 'LEVEL' },
  { key: 'riskState', title: 'STATE' },
  { key: 'riskDetail', title: 'DETAIL' },
  {
    key: 'riskLastUpdatedDateTime',
    title: 'UPDATED',
    format: (r) => String(r.riskLastUpdatedDateTime).slice(0, 16).replace('T', ' '),
  },
  { key: 'id', title: 'ID' },
];

const DETECTION_COLUMNS: Column[] = [
  { key: 'userPrincipalName', title: 'USER PRINCIPAL NAME' },
  { key: 'riskEventType', title: 'DETECTION' },
  { key: 'riskLevel', title: 'LEVEL' },
  { key: 'riskState', title: 'STATE' },
  { key: 'ipAddress', title: 'IP ADDRESS', format: (r) => String(r.ipAddress ?? '') },
  {
    key: 'detectedDateTime',
    title: 'DETECTED',
    format: (r) => String(r.detectedDateTime).slice(0, 16).replace('T', ' '),
  },
];

const listCommand: Command = {
  path: ['risk', 'list'],
  summary: 'List the risky users of the tenant (or, with --detections, the risk detections).',
  details:
    'Graph: GET /v1.0/identityProtection/riskyUsers (or riskDetections), all pages. Needs Security or Global Administrator with MFA. --level keeps one risk level: low, medium, high or none.',
  flags: {
    ...CLIENT_FLAGS,
    level: { type: 'string', value: '<level>', description: 'low, medium, high or none.' },
    detections: { type: 'boolean', description: 'List the risk detections instead of the users.' },
    ...PAGE_SIZE_FLAG,
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const level = stringFlag(invocation, 'level')?.toLowerCase();
    if (level !== undefined && !LEVELS.includes(level))
      throw new UsageError(`--level is one of ${LEVELS.join(', ')}, not '${level}'.`);
    const detections = invocation.values.detections === true;
    const resource = detections ? 'riskDetections' : 'riskyUsers';
    const path = collectionPath(`/identityProtection/${resource}`, invocation, {
      $filter: level ? `riskLevel eq '${level}'` : undefined,
    });
    const rows = (await graphAll(target, path, new Progress(), resource)) as Row[];
    if (target.json) printJson(rows);
    else if (rows.length === 0) out(detections ? 'No risk detections.' : 'No risky users.');
    else out(table(rows, detections ? DETECTION_COLUMNS : RISKY_COLUMNS));
    return EXIT.ok;
  },
};

/** The object ids of the users named (a UPN is looked up, since the actions take ids). */
async function userIdsOf(target: Target, names: readonly string[]): Promise<{ id: string; upn: string }[]> {
  const users = [];
  for (const name of names) {
    const user = await graph(target, 'GET', `/users/${encodeURIComponent(name)}`);
    users.push({ id: String(user?.id), upn: String(user?.userPrincipalName) });
  }
  return users;
}

function action(verb: 'dismiss' | 'confirm', graphAction: string, summary: string, details: string): Command {
  return {
    path: ['risk', verb],
    summary,
    args: USERS,
    positionals: { min: 1, max: 60 },
    details,
    flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
    async run(invocation) {
      const target = targetOf(invocation);
      const users = await userIdsOf(target, invocation.positionals);
      await graph(target, 'POST', `/identityProtection/riskyUsers/${graphAction}`, {
        userIds: users.map((u) => u.id),
      });
      if (target.json) printJson({ action: graphAction, userIds: users.map((u) => u.id) });
      else
        out(
          `${verb === 'dismiss' ? 'Dismissed the risk of' : 'Confirmed compromised:'} ${users.map((u) => u.upn).join(', ')}.`,
        );
      return EXIT.ok;
    },
  };
}

export const riskCommands: Command[] = [
  listCommand,
  action(
    'dismiss',
    'dismiss',
    "Dismiss users' risk: level none, state dismissed; they can sign in again with the same password.",
    'Graph: POST /v1.0/identityProtection/riskyUsers/dismiss {userIds}. Every detection of theirs still at risk is dismissed too. Audited.',
  ),
  action(
    'confirm',
    'confirmCompromised',
    'Confirm users compromised: level high, state confirmedCompromised; they are blocked at sign-in.',
    'Graph: POST /v1.0/identityProtection/riskyUsers/confirmCompromised {userIds}. Unblock with a reset to a temporary password (warden users reset-password) or warden risk dismiss. Audited.',
  ),
];
