import { type Command, stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { out, printJson, type Row, table } from '../output.ts';
import { PARTNER_API } from '../session/access-token.ts';
import { type ApiAnswer, apiRequest, partnerApiFailure } from './api.ts';
import { CLIENT_FLAGS, JSON_FLAG, type Target, targetOf, tokenFor } from './target.ts';

// `warden compliance status|requests|recalculate`: the security requirements status (SPEC §11)
// over the Partner API, as the signed-in partner user (or, to recalculate, the operator's admin).

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Partner Center keeps the 10,000 most recent requests; the table shows 20 unless told. */
const MAX_TOP = 10_000;
const DEFAULT_TOP = 20;

interface FigureJson {
  percent: number | null;
  numerator: number;
  denominator: number;
  underException: number;
}
interface FiguresJson {
  tenantId: string;
  day: string;
  windowStart: string;
  a: FigureJson;
  b1: FigureJson;
  b2: FigureJson;
  reasons: Record<'a' | 'b1' | 'b2', { code: string; count: number }[]>;
}

/** A Partner API request as the signed-in user; any error answer becomes the CLI's error. */
async function callPartnerApi(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer['body']> {
  const { token, session } = await tokenFor(target, PARTNER_API);
  const answer = await apiRequest(target, token, method, `${target.server}/v1${path}`, body);
  if (answer.status < 400) return answer.body;
  throw partnerApiFailure(target, session.tenantName, answer);
}

function percent(f: FigureJson): string {
  return f.percent === null ? 'no traffic' : `${f.percent} %`;
}

function figureRows(f: FiguresJson): Row[] {
  const row = (name: string, what: string, figure: FigureJson, key: 'a' | 'b1' | 'b2') => ({
    figure: name,
    what,
    percent: percent(figure),
    numerator: figure.numerator,
    denominator: figure.denominator,
    exception: key === 'a' ? '' : figure.underException,
    reasons: f.reasons[key].map((r) => `${r.code} ${r.count}`).join(', '),
  });
  return [
    row('A', 'enabled accounts with MFA enforced', f.a, 'a'),
    row('B1', 'dashboard operations with MFA', f.b1, 'b1'),
    row('B2', 'App+User API requests with MFA', f.b2, 'b2'),
  ];
}

const statusCommand: Command = {
  path: ['compliance', 'status'],
  summary: "Show your organisation's security requirements status: the figures A, B1, B2 and their trend.",
  details:
    "Partner API: GET /v1/securityRequirementsStatus (Warden's; Admin agents, Security or Global admins, with MFA). The figures are calculated once a day, for the 7 UTC days ending yesterday (SPEC §11): A, enabled accounts with MFA enforced; B1, dashboard operations with the MFA proof; B2, App+User Partner API requests whose token had mfa (app-only requests left out). Requests admitted under a technical exception count in the total, not with MFA.",
  flags: {
    ...CLIENT_FLAGS,
    ...JSON_FLAG,
    days: { type: 'string', value: '<1-90>', description: 'Days of history (default 30).' },
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const days = stringFlag(invocation, 'days') ?? '30';
    if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > 90)
      throw new UsageError(`--days must be a whole number from 1 to 90, not '${days}'.`);
    const body = await callPartnerApi(target, 'GET', `/securityRequirementsStatus?days=${days}`);
    if (target.json) {
      printJson(body);
      return EXIT.ok;
    }
    const current = body?.current as FiguresJson | null;
    if (!current) {
      out('No figures yet: they are calculated after the first complete UTC day (or by the operator).');
      return EXIT.ok;
    }
    out(`Security requirements status, ${current.windowStart} to ${current.day} (UTC days):`);
    out(
      table(figureRows(current), [
        { key: 'figure', title: 'FIGURE' },
        { key: 'what', title: 'WHAT' },
        { key: 'percent', title: 'PERCENT' },
        { key: 'numerator', title: 'WITH MFA' },
        { key: 'denominator', title: 'OF' },
        { key: 'exception', title: 'UNDER EXCEPTION' },
        { key: 'reasons', title: 'BELOW 100 % BECAUSE' },
      ]),
    );
    const history = (body.history as FiguresJson[]).slice(-7);
    out('');
    out('Trend (last 7 days):');
    out(
      table(
        history.map((f) => ({ day: f.day, a: percent(f.a), b1: percent(f.b1), b2: percent(f.b2) })),
        [
          { key: 'day', title: 'DAY' },
          { key: 'a', title: 'A' },
          { key: 'b1', title: 'B1' },
          { key: 'b2', title: 'B2' },
        ],
      ),
    );
    return EXIT.ok;
  },
};

const requestsCommand: Command = {
  path: ['compliance', 'requests'],
  summary: 'List the most recent App+User Partner API requests, each with whether it carried MFA.',
  details: `Partner API: GET /v1/partnerRequests (Partner Center's "All API requests": the ${MAX_TOP.toLocaleString('en-US')} most recent App+User requests, refused ones included). --top N shows the N newest (default ${DEFAULT_TOP}; with --json, all unless told).`,
  flags: {
    ...CLIENT_FLAGS,
    ...JSON_FLAG,
    top: { type: 'string', value: '<n>', description: `How many requests, newest first (1-${MAX_TOP}).` },
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const given = stringFlag(invocation, 'top');
    if (given !== undefined && (!/^\d+$/.test(given) || Number(given) < 1 || Number(given) > MAX_TOP))
      throw new UsageError(`--top must be a whole number from 1 to ${MAX_TOP}, not '${given}'.`);
    const top = given === undefined ? (target.json ? MAX_TOP : DEFAULT_TOP) : Number(given);
    const body = await callPartnerApi(target, 'GET', '/partnerRequests');
    const items = ((body?.items as Row[]) ?? []).slice(0, top);
    if (target.json) printJson(items);
    else if (items.length === 0) out('No App+User Partner API requests logged.');
    else
      out(
        table(items, [
          { key: 'requestDateTime', title: 'WHEN (UTC)' },
          { key: 'operationName', title: 'OPERATION' },
          { key: 'upn', title: 'USER' },
          { key: 'mfaCompliant', title: 'MFA', format: (r) => (r.mfaCompliant ? 'yes' : 'NO') },
          { key: 'applicationId', title: 'APPLICATION' },
          { key: 'ipAddress', title: 'IP ADDRESS' },
          { key: 'requestId', title: 'REQUEST ID' },
        ]),
      );
    return EXIT.ok;
  },
};

const recalculateCommand: Command = {
  path: ['compliance', 'recalculate'],
  summary: "Operator: recalculate the partners' security requirements figures of a day now.",
  details:
    "Partner API: POST /v1/program/compliance/recalculate (the operator tenant's Global or Security admins, with MFA). Replaces the stored figures of one partner (--partner) or of every partner, for one complete UTC day (--day, default yesterday). Sign in to the operator tenant first.",
  flags: {
    ...CLIENT_FLAGS,
    ...JSON_FLAG,
    partner: {
      type: 'string',
      value: '<tenant id>',
      description: 'Only this partner tenant (default: all).',
    },
    day: { type: 'string', value: '<YYYY-MM-DD>', description: 'The UTC day (default: yesterday).' },
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const partner = stringFlag(invocation, 'partner');
    const day = stringFlag(invocation, 'day');
    if (partner !== undefined && !GUID.test(partner))
      throw new UsageError(`'${partner}' is not a tenant id (a GUID).`);
    if (day !== undefined && !DAY.test(day)) throw new UsageError(`'${day}' is not a day (YYYY-MM-DD).`);
    const body = await callPartnerApi(target, 'POST', '/program/compliance/recalculate', {
      ...(partner ? { tenantId: partner } : {}),
      ...(day ? { day } : {}),
    });
    const items = (body?.items as FiguresJson[]) ?? [];
    if (target.json) printJson(items);
    else {
      out(
        `Recalculated ${items.length} partner${items.length === 1 ? '' : 's'} for ${items[0]?.day ?? day ?? 'yesterday'}:`,
      );
      out(
        table(
          items.map((f) => ({ tenantId: f.tenantId, a: percent(f.a), b1: percent(f.b1), b2: percent(f.b2) })),
          [
            { key: 'tenantId', title: 'PARTNER TENANT' },
            { key: 'a', title: 'A' },
            { key: 'b1', title: 'B1' },
            { key: 'b2', title: 'B2' },
          ],
        ),
      );
    }
    return EXIT.ok;
  },
};

/** The `compliance` group (SPEC §11). */
export const complianceCommands: Command[] = [statusCommand, requestsCommand, recalculateCommand];
