import { readFileSync, statSync } from 'node:fs';
import { type Command, stringFlag } from '../command.ts';
import { EXIT, RefusedError, UsageError } from '../errors.ts';
import { out, printJson, type Row, table } from '../output.ts';
import { PARTNER_API } from '../session/access-token.ts';
import { type ApiAnswer, apiRequest, partnerApiFailure } from './api.ts';
import { CLIENT_FLAGS, JSON_FLAG, type Target, targetOf, tokenFor } from './target.ts';

// `warden exceptions …` (SPEC §12): technical exceptions over the Partner API. A partner's Global
// admin or Admin agent files and lists its requests; the operator's admins list every partner's,
// approve, reject, and set whether the program accepts them (the `/v1/program/…` routes).

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The server takes at most 16,000 characters of self-test (technical-exceptions/evidence.ts). */
const MAX_SELF_TEST_BYTES = 64 * 1024;

/** One Partner API request as the signed-in user; any 4xx/5xx becomes the CLI error it means. */
async function partnerApi(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: ApiAnswer['body'] }> {
  const { token, session } = await tokenFor(target, PARTNER_API);
  const answer = await apiRequest(target, token, method, `${target.server}/v1${path}`, body);
  if (answer.status < 400) return { status: answer.status, body: answer.body };
  if (answer.body?.wardenCode === 'not_a_partner_tenant' || answer.body?.wardenCode === 'operator_only')
    return { status: answer.status, body: answer.body };
  throw partnerApiFailure(
    target,
    session.tenantName,
    answer,
    'Technical exceptions need a sign-in with MFA (SPEC §12).',
  );
}

function requiredFlag(invocation: Parameters<Command['run']>[0], name: string, command: string): string {
  const value = stringFlag(invocation, name);
  if (value === undefined || value.trim() === '')
    throw new UsageError(
      `warden exceptions ${command} needs --${name}.`,
      `Run: warden exceptions ${command} --help`,
    );
  return value;
}

function idOf(invocation: Parameters<Command['run']>[0], command: string): string {
  const id = invocation.positionals[0]!;
  if (!GUID.test(id))
    throw new UsageError(
      `'${id}' is not a request id (a GUID).`,
      `Run: warden exceptions list, then warden exceptions ${command} <id>`,
    );
  return id.toLowerCase();
}

const day = (iso: unknown) => (typeof iso === 'string' ? iso.slice(0, 10) : '');

function statusOf(r: Row): string {
  if (r.status === 'approved' && Array.isArray(r.scope))
    return `approved ${r.scope.join('+')} through ${String(r.endDate)}`;
  return String(r.status);
}

const listCommand: Command = {
  path: ['exceptions', 'list'],
  summary: 'List technical exception requests: your own, or (operator) every partner’s review queue.',
  details:
    'Partner API: GET /v1/technicalExceptions (Global admins and Admin agents, with MFA); signed in to the operator tenant, GET /v1/program/technicalExceptions, the review queue: pending first, soonest due first. The answer is due three working days (Saturdays and Sundays skipped, UTC) after filing; OVERDUE marks those past it.',
  flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    let answer = await partnerApi(target, 'GET', '/technicalExceptions');
    const operator = answer.body?.wardenCode === 'not_a_partner_tenant';
    if (operator) answer = await partnerApi(target, 'GET', '/program/technicalExceptions');
    if (answer.status >= 400) throw new RefusedError(`${answer.body.wardenCode}: ${answer.body.description}`);
    const items = (answer.body?.items as Row[]) ?? [];
    if (target.json) printJson(items);
    else if (items.length === 0) out('No technical exception requests.');
    else
      out(
        table(items, [
          ...(operator ? [{ key: 'partnerName', title: 'PARTNER' }] : []),
          { key: 'filedDateTime', title: 'FILED', format: (r) => day(r.filedDateTime) },
          {
            key: 'dueDateTime',
            title: 'DUE',
            format: (r) => `${day(r.dueDateTime)}${r.overdue === true ? ' OVERDUE' : ''}`,
          },
          { key: 'mfaProduct', title: 'MFA PRODUCT' },
          { key: 'status', title: 'STATUS', format: statusOf },
          { key: 'id', title: 'ID' },
        ]),
      );
    return EXIT.ok;
  },
};

const fileCommand: Command = {
  path: ['exceptions', 'file'],
  summary: 'File "MFA - Request for exception" (category CSP > Accounts, Onboarding, Access).',
  details:
    'Partner API: POST /v1/technicalExceptions (Global admins and Admin agents, with MFA). Attach the self-test of an affected account: run warden test-security-requirements --json signed in as that account, save the output to a file and pass it with --self-test. Refused (exceptions_not_accepted) while the program accepts no exceptions, the default. An approved exception covers the dashboard and the Partner API only, never delegated admin in a customer tenant.',
  flags: {
    ...CLIENT_FLAGS,
    ...JSON_FLAG,
    product: {
      type: 'string',
      value: '<name>',
      description: 'The third-party MFA product (at most 200 characters).',
    },
    integration: {
      type: 'string',
      value: '<text>',
      description: 'How it is integrated, and why it cannot send the MFA claim (at most 4000 characters).',
    },
    'self-test': {
      type: 'string',
      value: '<file>',
      description:
        'A file with the output of warden test-security-requirements --json for an affected account.',
    },
    'purchase-reference': {
      type: 'string',
      value: '<reference>',
      description: 'The purchase reference of the MFA product (at most 100 characters).',
    },
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const file = requiredFlag(invocation, 'self-test', 'file');
    let selfTest: string;
    try {
      if (statSync(file).size > MAX_SELF_TEST_BYTES)
        throw new UsageError(
          `${file} is larger than a self-test can be.`,
          'Attach the output of warden test-security-requirements --json.',
        );
      selfTest = readFileSync(file, 'utf8');
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`Cannot read ${file}: ${(error as Error).message}`);
    }
    const body = {
      mfaProduct: requiredFlag(invocation, 'product', 'file'),
      integration: requiredFlag(invocation, 'integration', 'file'),
      purchaseReference: requiredFlag(invocation, 'purchase-reference', 'file'),
      selfTest,
    };
    const answer = await partnerApi(target, 'POST', '/technicalExceptions', body);
    if (answer.status >= 400) throw new RefusedError(`${answer.body.wardenCode}: ${answer.body.description}`);
    if (target.json) printJson(answer.body);
    else
      out(
        `Filed ${answer.body.id}: ${answer.body.title}. The operator answers by ${day(answer.body.dueDateTime)} (three working days).`,
      );
    return EXIT.ok;
  },
};

const approveCommand: Command = {
  path: ['exceptions', 'approve'],
  summary: 'Approve a pending request until a date (operator).',
  args: '<request id>',
  positionals: { min: 1, max: 1 },
  details:
    'Partner API: POST /v1/program/technicalExceptions/{id}/approve (the operator tenant’s Global and Security admins, with MFA). --until is the last day covered (UTC), at most 365 days ahead; --scope E1 (dashboard), E2 (Partner API) or E1,E2 (the default). Never E3: delegated admin always needs MFA. Refused while the program accepts no exceptions (warden exceptions setting --accept).',
  flags: {
    ...CLIENT_FLAGS,
    ...JSON_FLAG,
    until: { type: 'string', value: '<YYYY-MM-DD>', description: 'The last day the exception covers (UTC).' },
    scope: { type: 'string', value: '<E1,E2>', description: 'What it covers: E1, E2 or E1,E2 (default).' },
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const id = idOf(invocation, 'approve');
    const until = requiredFlag(invocation, 'until', 'approve');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(until))
      throw new UsageError(`--until ${until} is not a date YYYY-MM-DD.`);
    const scope = stringFlag(invocation, 'scope');
    const body = {
      endDate: until,
      ...(scope ? { scope: scope.split(',').map((p) => p.trim().toUpperCase()) } : {}),
    };
    const answer = await partnerApi(target, 'POST', `/program/technicalExceptions/${id}/approve`, body);
    if (answer.status >= 400) throw new RefusedError(`${answer.body.wardenCode}: ${answer.body.description}`);
    if (target.json) printJson(answer.body);
    else out(`Approved ${id} for ${answer.body.scope.join(' and ')} through ${answer.body.endDate}.`);
    return EXIT.ok;
  },
};

/** The operator's decisions that take only a reason: reject a pending request, end an approved one. */
function reasonedDecision(input: {
  verb: 'reject' | 'end';
  summary: string;
  details: string;
  done: string;
}): Command {
  return {
    path: ['exceptions', input.verb],
    summary: input.summary,
    args: '<request id>',
    positionals: { min: 1, max: 1 },
    details: `Partner API: POST /v1/program/technicalExceptions/{id}/${input.verb} (the operator tenant’s Global and Security admins, with MFA). ${input.details}`,
    flags: {
      ...CLIENT_FLAGS,
      ...JSON_FLAG,
      reason: { type: 'string', value: '<text>', description: 'Why (required; the partner reads it).' },
    },
    async run(invocation) {
      const target = targetOf(invocation);
      const id = idOf(invocation, input.verb);
      const reason = requiredFlag(invocation, 'reason', input.verb);
      const answer = await partnerApi(target, 'POST', `/program/technicalExceptions/${id}/${input.verb}`, {
        reason,
      });
      if (answer.status >= 400)
        throw new RefusedError(`${answer.body.wardenCode}: ${answer.body.description}`);
      if (target.json) printJson(answer.body);
      else out(`${input.done} ${id}.`);
      return EXIT.ok;
    },
  };
}

const rejectCommand = reasonedDecision({
  verb: 'reject',
  summary: 'Reject a pending request with a reason (operator).',
  details: 'The partner sees the reason.',
  done: 'Rejected',
});

const endCommand = reasonedDecision({
  verb: 'end',
  summary: 'End an approved exception now, before its end date (operator).',
  details: 'From then on the partner’s accounts need the MFA claim again; the partner sees the reason.',
  done: 'Ended',
});

const settingCommand: Command = {
  path: ['exceptions', 'setting'],
  summary: 'Show or change whether the program accepts technical exceptions (operator).',
  details:
    'Partner API: GET or PUT /v1/program/settings. Default: not accepted (SPEC §12, seed 004). --refuse ends every approved exception at once; --accept revives none.',
  flags: {
    ...CLIENT_FLAGS,
    ...JSON_FLAG,
    accept: { type: 'boolean', description: 'Accept exception requests.' },
    refuse: { type: 'boolean', description: 'Accept none, and end every approved exception.' },
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const { accept, refuse } = invocation.values;
    if (accept && refuse) throw new UsageError('Give --accept or --refuse, not both.');
    const answer =
      accept || refuse
        ? await partnerApi(target, 'PUT', '/program/settings', {
            technicalExceptionsAccepted: accept === true,
          })
        : await partnerApi(target, 'GET', '/program/settings');
    if (answer.status >= 400) throw new RefusedError(`${answer.body.wardenCode}: ${answer.body.description}`);
    if (target.json) printJson(answer.body);
    else {
      out(
        answer.body.technicalExceptionsAccepted
          ? 'The program accepts technical exception requests.'
          : 'The program does not accept technical exceptions.',
      );
      if (typeof answer.body.exceptionsEnded === 'number' && answer.body.exceptionsEnded > 0)
        out(`${answer.body.exceptionsEnded} approved exception(s) ended.`);
    }
    return EXIT.ok;
  },
};

export const exceptionCommands: Command[] = [
  listCommand,
  fileCommand,
  approveCommand,
  rejectCommand,
  endCommand,
  settingCommand,
];
