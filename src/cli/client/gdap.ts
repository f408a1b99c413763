import type { Command, Flags, Invocation } from '../command.ts';
import { stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { type Column, out, Progress, printJson, type Row, table } from '../output.ts';
import { collectionPath, graph, graphAll, PAGE_SIZE_FLAG } from './api.ts';
import { CLIENT_FLAGS, JSON_FLAG, type Target, targetOf } from './target.ts';

// `warden gdap …` (SPEC §13): the partner's GDAP relationships over Graph's
// /v1.0/tenantRelationships/delegatedAdminRelationships, as an Admin agent.

const RELATIONSHIPS = '/tenantRelationships/delegatedAdminRelationships';
const RELATIONSHIP = '<relationship id>';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const COLUMNS: Column[] = [
  { key: 'displayName', title: 'DISPLAY NAME' },
  {
    key: 'customer',
    title: 'CUSTOMER',
    format: (r) => {
      const customer = r.customer as { displayName?: string; tenantId?: string } | null;
      return customer ? (customer.displayName ?? customer.tenantId ?? '') : '(any)';
    },
  },
  { key: 'status', title: 'STATUS' },
  { key: 'endDateTime', title: 'ENDS' },
  { key: 'autoExtendDuration', title: 'AUTO-EXTEND' },
  { key: 'id', title: 'ID' },
];

const ROLES_FLAG: Flags = {
  roles: {
    type: 'string',
    value: '<ids>',
    description: 'Entra role template ids, comma-separated (required).',
  },
};

function relationshipPath(invocation: Invocation, rest = ''): string {
  return `${RELATIONSHIPS}/${encodeURIComponent(invocation.positionals[0]!)}${rest}`;
}

/** `accessDetails` from --roles. */
function accessDetails(invocation: Invocation, command: string) {
  const ids = (stringFlag(invocation, 'roles') ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0)
    throw new UsageError(
      `warden gdap ${command} needs --roles <template ids>.`,
      'Example: --roles fe930be7-5e62-47db-91af-98c3a49a38b1,729827e3-9c14-49f7-bb1b-9608f156bbb8',
    );
  const bad = ids.find((id) => !GUID.test(id));
  if (bad) throw new UsageError(`'${bad}' is not a role template id (a GUID).`);
  return { unifiedRoles: ids.map((roleDefinitionId) => ({ roleDefinitionId })) };
}

function lines(object: Row): string {
  return Object.entries(object)
    .filter(([k]) => !k.startsWith('@odata'))
    .map(([k, v]) => `${k}: ${v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

/**
 * The customer's approval link (SPEC §13 item 2): Warden's own base URL, read from the
 * `@odata.context` the server answers with (it is built from WARDEN_BASE_URL), so the link is the
 * one the customer can open even when the CLI reaches the server by another address.
 */
function approvalLink(relationship: Row, target: Target): string {
  const context = String(relationship['@odata.context'] ?? '');
  const base = context.includes('/v1.0/$metadata') ? context.split('/v1.0/$metadata')[0]! : target.server;
  return `${base}/admin/partners/invitation/granularAdminRelationships/${relationship.id}`;
}

const listCommand: Command = {
  path: ['gdap', 'list'],
  summary: "List the partner's GDAP relationships (all pages).",
  details: 'Graph: GET /v1.0/tenantRelationships/delegatedAdminRelationships, following @odata.nextLink.',
  flags: {
    ...CLIENT_FLAGS,
    status: {
      type: 'string',
      value: '<status>',
      description: 'Only this status, e.g. active or approvalPending.',
    },
    customer: { type: 'string', value: '<tenant id>', description: "Only this customer's relationships." },
    ...PAGE_SIZE_FLAG,
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const clauses: string[] = [];
    const status = stringFlag(invocation, 'status');
    const customer = stringFlag(invocation, 'customer');
    if (status) clauses.push(`status eq '${status.replaceAll("'", "''")}'`);
    if (customer) {
      if (!GUID.test(customer))
        throw new UsageError(`--customer takes the customer's tenant id, not '${customer}'.`);
      clauses.push(`customer/tenantId eq '${customer}'`);
    }
    const path = collectionPath(RELATIONSHIPS, invocation, {
      $filter: clauses.length ? clauses.join(' and ') : undefined,
    });
    const rows = (await graphAll(target, path, new Progress(), 'relationships')) as Row[];
    if (target.json) printJson(rows);
    else out(table(rows, COLUMNS));
    return EXIT.ok;
  },
};

const showCommand: Command = {
  path: ['gdap', 'show'],
  summary: 'Show one GDAP relationship with its access assignments.',
  args: RELATIONSHIP,
  positionals: { min: 1, max: 1 },
  details: 'Graph: GET …/delegatedAdminRelationships/{id} and …/{id}/accessAssignments.',
  flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    const relationship = (await graph(target, 'GET', relationshipPath(invocation))) as Row;
    const assignments = (await graphAll(
      target,
      relationshipPath(invocation, '/accessAssignments'),
      new Progress(),
      'assignments',
    )) as Row[];
    if (target.json) printJson({ ...relationship, accessAssignments: assignments });
    else {
      out(lines(relationship));
      if (relationship.status === 'approvalPending')
        out(`approvalLink: ${approvalLink(relationship, target)}`);
      out(`accessAssignments: ${assignments.length}`);
      for (const a of assignments)
        out(`  ${JSON.stringify(a.accessContainer)} ${a.status} ${JSON.stringify(a.accessDetails)}`);
    }
    return EXIT.ok;
  },
};

const createCommand: Command = {
  path: ['gdap', 'create'],
  summary: 'Create a GDAP relationship (status created; lock it to ask the customer).',
  details:
    'Graph: POST …/delegatedAdminRelationships. --duration is ISO 8601 from P1D to P2Y (default P730D); --auto-extend PT0S (default) or P180D (never with Global Administrator).',
  flags: {
    ...CLIENT_FLAGS,
    name: {
      type: 'string',
      value: '<display name>',
      description: 'Unique among your relationships, 50 characters at most (required).',
    },
    customer: {
      type: 'string',
      value: '<tenant id>',
      description: 'The customer asked (default: any of your customers may approve).',
    },
    ...ROLES_FLAG,
    duration: {
      type: 'string',
      value: '<ISO 8601>',
      description: 'How long it lasts once approved (default P730D).',
    },
    'auto-extend': {
      type: 'string',
      value: '<PT0S|P180D>',
      description: 'Extend by 180 days at the end (default PT0S: no).',
    },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const displayName = stringFlag(invocation, 'name');
    if (!displayName)
      throw new UsageError(
        'warden gdap create needs --name <display name>.',
        'Run: warden gdap create --help',
      );
    const customer = stringFlag(invocation, 'customer');
    const body: Row = {
      displayName,
      duration: stringFlag(invocation, 'duration') ?? 'P730D',
      autoExtendDuration: stringFlag(invocation, 'auto-extend') ?? 'PT0S',
      accessDetails: accessDetails(invocation, 'create'),
      ...(customer ? { customer: { tenantId: customer } } : {}),
    };
    const relationship = (await graph(target, 'POST', RELATIONSHIPS, body)) as Row;
    if (target.json) printJson(relationship);
    else
      out(
        `Created ${relationship.displayName} (${relationship.id}), status ${relationship.status}. Next: warden gdap lock ${relationship.id}`,
      );
    return EXIT.ok;
  },
};

const lockCommand: Command = {
  path: ['gdap', 'lock'],
  summary: "Lock a relationship for the customer's approval and print the approval link.",
  args: RELATIONSHIP,
  positionals: { min: 1, max: 1 },
  details:
    "Graph: POST …/{id}/requests { action: lockForApproval }. Send the link to the customer's Global Administrator; it opens the approval page.",
  flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    await graph(target, 'POST', relationshipPath(invocation, '/requests'), { action: 'lockForApproval' });
    const relationship = (await graph(target, 'GET', relationshipPath(invocation))) as Row;
    const link = approvalLink(relationship, target);
    if (target.json) printJson({ id: relationship.id, status: relationship.status, approvalLink: link });
    else out(`${relationship.displayName} is locked for approval. Approval link for the customer:\n${link}`);
    return EXIT.ok;
  },
};

/** A group id, or the id of the partner's group of that display name (Graph: GET /groups). */
async function groupIdOf(target: Target, group: string): Promise<string> {
  if (GUID.test(group)) return group;
  const filter = encodeURIComponent(`displayName eq '${group.replaceAll("'", "''")}'`);
  const found = (await graph(target, 'GET', `/groups?$filter=${filter}`)) as { value?: Row[] };
  const id = found.value?.[0]?.id;
  if (typeof id !== 'string') throw new UsageError(`No group named '${group}' in your tenant.`);
  return id;
}

const assignCommand: Command = {
  path: ['gdap', 'assign'],
  summary: "Give one of your security groups roles of an active relationship in the customer's tenant.",
  args: RELATIONSHIP,
  positionals: { min: 1, max: 1 },
  details:
    'Graph: POST …/{id}/accessAssignments. --roles must be roles of the relationship. A group given by name is looked up with GET /v1.0/groups.',
  flags: {
    ...CLIENT_FLAGS,
    group: {
      type: 'string',
      value: '<group id or name>',
      description: 'The security group of your tenant (required).',
    },
    ...ROLES_FLAG,
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const group = stringFlag(invocation, 'group');
    if (!group)
      throw new UsageError(
        'warden gdap assign needs --group <group id or name>.',
        'Run: warden gdap assign --help',
      );
    const details = accessDetails(invocation, 'assign');
    const assignment = (await graph(target, 'POST', relationshipPath(invocation, '/accessAssignments'), {
      accessContainer: {
        accessContainerId: await groupIdOf(target, group),
        accessContainerType: 'securityGroup',
      },
      accessDetails: details,
    })) as Row;
    if (target.json) printJson(assignment);
    else out(`Assigned group ${group} (assignment ${assignment.id}, ${assignment.status}).`);
    return EXIT.ok;
  },
};

const terminateCommand: Command = {
  path: ['gdap', 'terminate'],
  summary: 'End an active relationship now: your groups lose their roles in the customer tenant.',
  args: RELATIONSHIP,
  positionals: { min: 1, max: 1 },
  details: 'Graph: POST …/{id}/requests { action: terminate }. Cannot be undone; needs --yes.',
  flags: {
    ...CLIENT_FLAGS,
    yes: { type: 'boolean', short: 'y', description: 'Confirm the termination (required).' },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const id = invocation.positionals[0]!;
    if (!invocation.values.yes)
      throw new UsageError(
        `Terminating ${id} cannot be undone; it needs --yes.`,
        `Run: warden gdap terminate ${id} --yes`,
      );
    await graph(target, 'POST', relationshipPath(invocation, '/requests'), { action: 'terminate' });
    const relationship = (await graph(target, 'GET', relationshipPath(invocation))) as Row;
    if (target.json) printJson({ id: relationship.id, status: relationship.status });
    else out(`${relationship.displayName} is ${relationship.status}.`);
    return EXIT.ok;
  },
};

export const gdapCommands: Command[] = [
  listCommand,
  showCommand,
  createCommand,
  lockCommand,
  assignCommand,
  terminateCommand,
];
