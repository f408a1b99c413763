import type { Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { out, printJson, type Row, table } from '../output.ts';
import { PARTNER_API } from '../session/access-token.ts';
import { type ApiAnswer, apiRequest, partnerApiFailure } from './api.ts';
import { CLIENT_FLAGS, JSON_FLAG, type Target, targetOf, tokenFor } from './target.ts';

// `warden alerts list|resolve` (issue 14 item 8) over Partner Center's fraud events (reference §5).

const STATUSES = ['Active', 'Investigating', 'Resolved'];
const REASONS = ['Fraud', 'Ignore', 'Legitimate'];
/** Reference §5.1: `<subscriptionId>_<entityId>`. */
const EVENT_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_[^\s/]{1,80}$/i;
/** The new events model's fields (name, type, severity) come with this header. */
const NEW_MODEL = { 'X-NewEventsModel': 'true' };

async function fraudApi(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer['body']> {
  const { token, session } = await tokenFor(target, PARTNER_API);
  const answer = await apiRequest(target, token, method, `${target.server}/v1${path}`, body, NEW_MODEL);
  if (answer.status >= 400) throw partnerApiFailure(target, session.tenantName, answer);
  return answer.body;
}

/** Canonical case of a choice (`fraud` is `Fraud`), or undefined when it is none of them. */
function choice(value: unknown, among: string[]): string | undefined {
  return typeof value === 'string' ? among.find((c) => c.toLowerCase() === value.toLowerCase()) : undefined;
}

const listCommand: Command = {
  path: ['alerts', 'list'],
  summary: "List the security alerts (fraud events) on your customers' subscriptions.",
  details:
    'Partner API: GET /v1/fraudEvents with X-NewEventsModel: true (Admin agents, with MFA). --status keeps one status: Active, Investigating or Resolved.',
  flags: {
    ...CLIENT_FLAGS,
    ...JSON_FLAG,
    status: { type: 'string', value: '<status>', description: 'Active, Investigating or Resolved.' },
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const given = invocation.values.status;
    const status = given === undefined ? undefined : choice(given, STATUSES);
    if (given !== undefined && !status)
      throw new UsageError(`--status is one of ${STATUSES.join(', ')}, not '${String(given)}'.`);
    const items = ((await fraudApi(target, 'GET', `/fraudEvents${status ? `?EventStatus=${status}` : ''}`)) ??
      []) as Row[];
    if (target.json) printJson(items);
    else if (items.length === 0) out('No alerts.');
    else
      out(
        table(items, [
          { key: 'eventStatus', title: 'STATUS' },
          { key: 'severity', title: 'SEVERITY' },
          { key: 'displayName', title: 'ALERT' },
          { key: 'customerFriendlyName', title: 'CUSTOMER' },
          {
            key: 'lastObserved',
            title: 'LAST OBSERVED',
            format: (r) => String(r.lastObserved).slice(0, 16).replace('T', ' '),
          },
          { key: 'eventId', title: 'ALERT ID' },
        ]),
      );
    return EXIT.ok;
  },
};

const resolveCommand: Command = {
  path: ['alerts', 'resolve'],
  summary: 'Resolve a security alert as Fraud, Ignore or Legitimate.',
  args: '<alert id>',
  positionals: { min: 1, max: 1 },
  details:
    'Partner API: POST /v1/fraudEvents/subscription/{subscriptionId}/status {"EventIds":[id],"EventStatus":"Resolved","ResolvedReason":reason} (Admin agents, with MFA). The subscription is the first part of the alert id.',
  flags: {
    ...CLIENT_FLAGS,
    ...JSON_FLAG,
    reason: { type: 'string', value: '<reason>', description: 'Fraud, Ignore or Legitimate (required).' },
  },
  async run(invocation) {
    const target = targetOf(invocation);
    const id = invocation.positionals[0]!;
    const match = EVENT_ID.exec(id);
    if (!match)
      throw new UsageError(
        `'${id}' is not an alert id (<subscription id>_<entity id>).`,
        'Run: warden alerts list',
      );
    const reason = choice(invocation.values.reason, REASONS);
    if (!reason) throw new UsageError(`--reason is one of ${REASONS.join(', ')}.`);
    const updated = (await fraudApi(
      target,
      'POST',
      `/fraudEvents/subscription/${match[1]!.toLowerCase()}/status`,
      {
        EventIds: [id],
        EventStatus: 'Resolved',
        ResolvedReason: reason,
      },
    )) as Row[];
    if (target.json) printJson(updated);
    else
      for (const e of updated)
        out(`${e.eventId}: ${e.eventStatus} (${e.resolvedReason}) by ${e.resolvedBy}.`);
    return EXIT.ok;
  },
};

export const alertsCommands: Command[] = [listCommand, resolveCommand];
