import type { Command } from '../command.ts';
import { type CliError, EXIT, RefusedError, UsageError } from '../errors.ts';
import { note, out, printJson, type Row, table } from '../output.ts';
import { PARTNER_API } from '../session/access-token.ts';
import { type ApiAnswer, apiRequest, partnerApiFailure } from './api.ts';
import { CLIENT_FLAGS, JSON_FLAG, type Target, targetOf, tokenFor } from './target.ts';

// `warden gdap dap-report` and `warden gdap remove-dap` over the Partner API (SPEC §13, reference
// §1.11). They join the `gdap` group by their path: the CLI groups commands by their first word.

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** As many customers as the server removes DAP for in one go (MAX_DAP_REMOVALS). */
const MAX_CUSTOMERS = 100;

/** One Partner API request (`/v1/…`) as the signed-in user; `ok: false` for a 4xx other than 401. */
async function partnerApi(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ ok: true; body: ApiAnswer['body'] } | { ok: false; error: CliError; code: string }> {
  const { token, session } = await tokenFor(target, PARTNER_API);
  const answer = await apiRequest(target, token, method, `${target.server}/v1${path}`, body);
  if (answer.status < 400) return { ok: true, body: answer.body };
  const error = partnerApiFailure(target, session.tenantName, answer);
  if (!(error instanceof RefusedError)) throw error;
  // Warden's stable name of the refusal (the body's `code` is Partner Center's number).
  return { ok: false, error, code: String(answer.body?.wardenCode ?? answer.status) };
}

const ACTIVITY: Record<string, string> = {
  active: 'active',
  inactiveOver60Days: 'inactive 60+ days',
  inactiveOver90Days: 'inactive 90+ days',
};

const dapReportCommand: Command = {
  path: ['gdap', 'dap-report'],
  summary: 'List the customers that still grant your organisation DAP, with their last use.',
  details:
    'Partner API: GET /v1/delegatedAdminCustomers (Admin agents, with MFA). Last used is the last sign-in of a partner user into the customer tenant; 60+ days unused: removal recommended; 90+ days: inactive (reference §1.11).',
  flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    const answer = await partnerApi(target, 'GET', '/delegatedAdminCustomers');
    if (!answer.ok) throw answer.error;
    const items = (answer.body?.items as Row[]) ?? [];
    if (target.json) printJson(items);
    else if (items.length === 0) out('No customer grants you DAP any more.');
    else
      out(
        table(items, [
          { key: 'organizationDisplayName', title: 'CUSTOMER' },
          { key: 'daysEnabled', title: 'DAYS ENABLED' },
          {
            key: 'lastSignInDateTime',
            title: 'LAST USED',
            format: (r) =>
              typeof r.lastSignInDateTime === 'string' ? r.lastSignInDateTime.slice(0, 10) : 'never',
          },
          { key: 'daysInactive', title: 'DAYS INACTIVE' },
          {
            key: 'activity',
            title: 'ACTIVITY',
            format: (r) => ACTIVITY[String(r.activity)] ?? String(r.activity),
          },
          { key: 'id', title: 'CUSTOMER ID' },
        ]),
      );
    return EXIT.ok;
  },
};

type Outcome = { customerId: string } & (
  | { result: 'removed' | 'noDap' }
  | { result: 'refused'; code: string; message: string }
);

const removeDapCommand: Command = {
  path: ['gdap', 'remove-dap'],
  summary: 'Remove DAP for one or more customers (it cannot be granted again).',
  args: '<customer id...>',
  positionals: { min: 1, max: MAX_CUSTOMERS },
  details:
    'Partner API: for each customer, GET /v1/customers/{id} and, while it has DAP, PATCH /v1/customers/{id} {"allowDelegatedAccess": false} (Admin agents, with MFA). Each customer is its own request: one that is refused does not stop the others. Exit code 1 when any was refused. Microsoft: create GDAP and assign its groups first (warden gdap create), then remove DAP.',
  flags: { ...CLIENT_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    const ids = [...new Set(invocation.positionals.map((id) => id.toLowerCase()))];
    const bad = ids.find((id) => !GUID.test(id));
    if (bad) throw new UsageError(`'${bad}' is not a customer id (a GUID).`, 'Run: warden gdap dap-report');
    const outcomes: Outcome[] = [];
    for (const customerId of ids) {
      const current = await partnerApi(target, 'GET', `/customers/${customerId}`);
      if (current.ok && current.body?.allowDelegatedAccess === false) {
        outcomes.push({ customerId, result: 'noDap' });
        continue;
      }
      const answer = current.ok
        ? await partnerApi(target, 'PATCH', `/customers/${customerId}`, {
            allowDelegatedAccess: false,
            attributes: { objectType: 'Customer' },
          })
        : current;
      outcomes.push(
        answer.ok
          ? { customerId, result: 'removed' }
          : { customerId, result: 'refused', code: answer.code, message: answer.error.message },
      );
    }
    const refused = outcomes.filter((o) => o.result === 'refused');
    if (target.json) printJson(outcomes);
    else
      for (const o of outcomes) {
        if (o.result === 'refused') note(`warden: ${o.customerId}: ${o.message}`);
        else out(`${o.customerId}: ${o.result === 'removed' ? 'DAP removed.' : 'had no DAP.'}`);
      }
    return refused.length > 0 ? EXIT.failed : EXIT.ok;
  },
};

/** The DAP commands of the `gdap` group (the other `gdap` commands are in gdap.ts). */
export const dapCommands: Command[] = [dapReportCommand, removeDapCommand];
