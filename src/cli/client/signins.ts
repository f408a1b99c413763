import type { Command } from '../command.ts';
import { stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { type Column, csv, out, Progress, printJson, type Row, table } from '../output.ts';
import { collectionPath, graphAll, PAGE_SIZE_FLAG } from './api.ts';
import { CLIENT_FLAGS, targetOf } from './target.ts';

// `warden signins`: the role of Get-PartnerUserSignActivity (SPEC §11) over Graph's
// /v1.0/auditLogs/signIns.

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time from the command line: an ISO 8601 date or date-time, or a duration back from
 * now (`30m`, `12h`, `7d`). A bare date is the start of that day (UTC) for --since and its end for
 * --until, so `--since 2026-01-01 --until 2026-01-31` covers all of January.
 */
export function parseWhen(value: string, edge: 'start' | 'end', now = Date.now()): Date {
  const relative = /^(\d+)([mhd])$/.exec(value);
  if (relative) return new Date(now - Number(relative[1]) * UNITS[relative[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = Date.parse(`${value}T00:00:00Z`);
    if (!Number.isNaN(day)) return new Date(edge === 'start' ? day : day + UNITS.d! - 1);
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(Date.parse(value));
  }
  throw new UsageError(
    `'${value}' is not a date: use an ISO date or date-time (2026-01-31, 2026-01-31T12:00:00Z) or a duration back from now (30m, 12h, 7d).`,
  );
}

/** The OData filter of the options; string literals quote ' by doubling it (OData ABNF). */
export function signInFilter(options: { since?: Date; until?: Date; user?: string }): string | undefined {
  const clauses: string[] = [];
  if (options.since) clauses.push(`createdDateTime ge ${options.since.toISOString()}`);
  if (options.until) clauses.push(`createdDateTime le ${options.until.toISOString()}`);
  if (options.user) clauses.push(`userPrincipalName eq '${options.user.replaceAll("'", "''")}'`);
  return clauses.length ? clauses.join(' and ') : undefined;
}

const status = (r: Row) => {
  const s = r.status as { errorCode?: number } | undefined;
  return s?.errorCode ? String(s.errorCode) : 'success';
};

const TABLE: Column[] = [
  { key: 'createdDateTime', title: 'TIME (UTC)' },
  { key: 'userPrincipalName', title: 'USER' },
  { key: 'appId', title: 'APP', format: (r) => String(r.appDisplayName ?? r.appId ?? '') },
  { key: 'ipAddress', title: 'IP' },
  { key: 'status', title: 'RESULT', format: status },
  { key: 'authenticationRequirement', title: 'REQUIREMENT' },
  { key: 'isInteractive', title: 'INTERACTIVE', format: (r) => (r.isInteractive ? 'yes' : 'no') },
];

const CSV: Column[] = [
  { key: 'createdDateTime', title: 'createdDateTime' },
  { key: 'userPrincipalName', title: 'userPrincipalName' },
  { key: 'userId', title: 'userId' },
  { key: 'appId', title: 'appId' },
  { key: 'appDisplayName', title: 'appDisplayName' },
  { key: 'ipAddress', title: 'ipAddress' },
  { key: 'clientAppUsed', title: 'clientAppUsed' },
  { key: 'isInteractive', title: 'isInteractive' },
  {
    key: 'errorCode',
    title: 'errorCode',
    format: (r) => String((r.status as Row | undefined)?.errorCode ?? ''),
  },
  {
    key: 'failureReason',
    title: 'failureReason',
    format: (r) => String((r.status as Row | undefined)?.failureReason ?? ''),
  },
  { key: 'authenticationRequirement', title: 'authenticationRequirement' },
  { key: 'correlationId', title: 'correlationId' },
  { key: 'id', title: 'id' },
];

export const signinsCommand: Command = {
  path: ['signins'],
  summary: "The tenant's sign-in activity (like Get-PartnerUserSignActivity), all pages.",
  details:
    "Graph: GET /v1.0/auditLogs/signIns?$filter=createdDateTime ge … and createdDateTime le … and userPrincipalName eq '…', following @odata.nextLink to the end (progress on stderr when it is a terminal). Dates: 2026-01-31, 2026-01-31T12:00:00Z, or 30m / 12h / 7d back from now.",
  flags: {
    ...CLIENT_FLAGS,
    since: { type: 'string', value: '<date>', description: 'Sign-ins at or after this time.' },
    until: { type: 'string', value: '<date>', description: 'Sign-ins at or before this time.' },
    user: { type: 'string', value: '<upn>', description: "One user's sign-ins." },
    format: { type: 'string', value: '<table|json|csv>', description: 'Output format (default: table).' },
    json: { type: 'boolean', description: 'Same as --format json.' },
    ...PAGE_SIZE_FLAG,
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const format = invocation.values.json ? 'json' : (stringFlag(invocation, 'format') ?? 'table');
    if (!['table', 'json', 'csv'].includes(format))
      throw new UsageError(`--format must be table, json or csv, not '${format}'.`);
    const since = stringFlag(invocation, 'since');
    const until = stringFlag(invocation, 'until');
    const filter = signInFilter({
      ...(since ? { since: parseWhen(since, 'start') } : {}),
      ...(until ? { until: parseWhen(until, 'end') } : {}),
      ...(stringFlag(invocation, 'user') ? { user: stringFlag(invocation, 'user') } : {}),
    });
    const path = collectionPath('/auditLogs/signIns', invocation, { $filter: filter });
    const rows = (await graphAll(target, path, new Progress(), 'sign-ins')) as Row[];
    if (format === 'json') printJson(rows);
    else if (format === 'csv') process.stdout.write(csv(rows, CSV));
    else out(rows.length ? table(rows, TABLE) : 'No sign-ins match.');
    return EXIT.ok;
  },
};
