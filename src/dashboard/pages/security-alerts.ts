import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { type Html, html } from '../../http/html.ts';
import { setSecurityHeaders } from '../../http/security-headers.ts';
import { SubscriptionError } from '../../partner-center/subscriptions.ts';
import { alertCategoryOf } from '../../security-alerts/event-types.ts';
import {
  changeFraudEventStatus,
  type FraudEvent,
  FraudEventError,
  getFraudEvent,
  listFraudEvents,
} from '../../security-alerts/fraud-events.ts';
import { type EventNames, namesOf } from '../../security-alerts/partner-center-shape.ts';
import {
  EVENT_STATUSES,
  isEventStatus,
  type StatusChange,
} from '../../security-alerts/status-transitions.ts';
import { maySuspend, suspendForFraud } from '../../security-alerts/suspend-subscription.ts';
import { alertTiles } from '../../security-alerts/tiles.ts';
import { listDeliveries } from '../../security-alerts/webhook-deliveries.ts';
import { listWebhooks } from '../../security-alerts/webhook-registrations.ts';
import { viewerOf } from '../guard.ts';
import { redirect, sendPage } from '../respond.ts';
import { csvDocument } from '../views/csv.ts';
import { dashboardPage, table } from '../views/layout.ts';

export const ALERTS_PAGE = '/dashboard/security/alerts';
const AREA = 'security-alerts' as const;
const COLUMNS = [
  'Alert name',
  'Subscription',
  'Alert ID',
  'Status',
  'First observed',
  'Last observed',
  'Type',
  'Severity',
];

/** The dashboard's actions on one alert (reference §5.3; Partner Center's REST offers Fraud and Ignore). */
const ACTIONS: Record<string, { label: string; change: StatusChange }> = {
  legitimate: { label: 'Mark as legitimate', change: { status: 'Resolved', reason: 'Legitimate' } },
  fraud: { label: 'Mark as fraud', change: { status: 'Resolved', reason: 'Fraud' } },
  ignore: { label: 'Ignore', change: { status: 'Resolved', reason: 'Ignore' } },
  investigating: { label: 'Investigating', change: { status: 'Investigating' } },
};

const time = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function statusFilter(value: unknown): FraudEvent['status'] | undefined {
  return isEventStatus(value) ? value : undefined;
}

function subscriptionLabel(e: FraudEvent, names: EventNames): string {
  return names.subscriptions.get(e.subscriptionId)?.name ?? e.subscriptionId;
}

function alertRow(e: FraudEvent, names: EventNames, csrf: string, suspend: boolean): Html {
  const status = e.status === 'Resolved' ? `Resolved (${e.resolvedReason})` : e.status;
  return html`<tr data-alert="${e.id}">
<td>${e.displayName}</td><td>${subscriptionLabel(e, names)}<br><span class="muted">${e.subscriptionId}</span></td>
<td><code>${e.id}</code></td><td data-testid="status">${status}</td><td>${time(e.firstObservedAt)}</td><td>${time(e.lastObservedAt)}</td>
<td>${alertCategoryOf(e.eventType)}<br><span class="muted">${e.eventType}</span></td><td>${e.severity}</td>
<td><form method="post" action="${ALERTS_PAGE}/${e.id}/status">
<input type="hidden" name="csrf" value="${csrf}">
${Object.entries(ACTIONS).map(
  ([action, a]) =>
    html`<button type="submit" name="action" value="${action}" data-testid="${action}">${a.label}</button> `,
)}
</form>
${
  suspend
    ? html`<form method="post" action="${ALERTS_PAGE}/subscriptions/${e.subscriptionId}/suspend">
<input type="hidden" name="csrf" value="${csrf}">
<label><input type="checkbox" name="confirm" value="yes"> Yes, suspend</label>
<button type="submit" data-testid="suspend">Suspend the subscription</button>
</form>`
    : ''
}</td>
</tr>`;
}

/**
 * Insights > Security > Alerts (reference §5.3, SPEC §13): the tiles, the partner's alerts with a
 * status filter, the actions on each, suspending a subscription (Global admin and Admin agent both),
 * the CSV of the current filter, and the webhook deliveries. Admin agents, with MFA.
 */
export function securityAlertPages(app: FastifyInstance, ctx: WardenContext): void {
  const render = async (req: FastifyRequest, status: FraudEvent['status'] | undefined, notice?: Html) => {
    const viewer = viewerOf(req);
    const partner = viewer.tenant.id;
    const now = ctx.clock.now();
    const [tiles, events, webhooks, deliveries] = await Promise.all([
      alertTiles(ctx.db, partner, now),
      listFraudEvents(ctx.db, partner, { status }),
      listWebhooks(ctx.db, partner),
      listDeliveries(ctx.db, partner, 20),
    ]);
    const names = await namesOf(ctx.db, partner, events);
    const suspend = maySuspend(viewer.roles);
    const query = status ? `?status=${status}` : '';
    return dashboardPage(
      'Security alerts',
      html`<p>Fraud events on your customers’ subscriptions. Respond within an hour; alerts resolved within 24 hours count towards your security requirements.</p>
${notice ?? ''}
${req.underException ? html`<p class="muted" data-testid="actions-need-mfa">This session was admitted without MFA under a technical exception, which covers reading this page only: suspending a subscription or changing an alert asks you to verify with MFA first.</p>` : ''}
<dl class="tiles" data-testid="tiles">
<dt>New this week</dt><dd data-testid="tile-new">${tiles.newThisWeek}</dd>
<dt>Resolved this week</dt><dd data-testid="tile-resolved">${tiles.resolvedThisWeek}</dd>
<dt>Active or in progress</dt><dd data-testid="tile-open">${tiles.open}</dd>
<dt>Average time to resolve (30 days)</dt><dd data-testid="tile-average">${tiles.meanResolutionHours === null ? '—' : `${tiles.meanResolutionHours.toFixed(1)} hours`}</dd>
</dl>
<form method="get" action="${ALERTS_PAGE}">
<label for="status">Status</label>
<select id="status" name="status">
<option value="">All</option>
${EVENT_STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : ''}>${s}</option>`)}
</select>
<button type="submit">Filter</button>
<a href="${ALERTS_PAGE}.csv${query}" download data-testid="export">Export to CSV</a>
</form>
${table(
  [...COLUMNS, 'Actions'],
  events.map((e) => alertRow(e, names, viewer.session.csrf, suspend)),
  'No alerts.',
)}
<h2>Webhooks</h2>
${table(
  ['URL', 'Events', 'Subscriber id'],
  webhooks.map(
    (r) => html`<tr><td>${r.url}</td><td>${r.events.join(', ')}</td><td><code>${r.id}</code></td></tr>`,
  ),
  'No webhook URL is registered (POST /v1/webhooks/registration).',
)}
${table(
  ['Created', 'Alert ID', 'State', 'Attempts', 'Last answer', 'Next attempt'],
  deliveries.map(
    (d) =>
      html`<tr data-delivery="${d.id}"><td>${time(d.createdAt)}</td><td><code>${d.eventId}</code></td><td>${d.state}</td><td>${d.attempts}</td><td>${d.lastStatus ?? d.lastError ?? '—'}</td><td>${d.nextAttemptAt === null ? '—' : time(d.nextAttemptAt)}</td></tr>`,
  ),
  'No deliveries yet.',
)}`,
      viewer,
      '/dashboard/security',
    );
  };

  /** A refused action: the page again, with why, and the status that says it. */
  const refuse = async (req: FastifyRequest, reply: FastifyReply, status: number, why: string) =>
    sendPage(
      reply,
      status,
      await render(req, undefined, html`<p class="error" role="alert" data-testid="error">${why}</p>`),
    );

  app.get<{ Querystring: { status?: string; done?: string } }>(
    ALERTS_PAGE,
    { config: { dashboardPage: { operation: 'security.alerts.list', area: AREA } } },
    async (req, reply) => {
      const done = typeof req.query.done === 'string' ? req.query.done.slice(0, 40) : undefined;
      const notice = done ? html`<p role="status" data-testid="done">${done}</p>` : undefined;
      return sendPage(reply, 200, await render(req, statusFilter(req.query.status), notice));
    },
  );

  app.get<{ Querystring: { status?: string } }>(
    `${ALERTS_PAGE}.csv`,
    { config: { dashboardPage: { operation: 'security.alerts.export', area: AREA } } },
    async (req, reply) => {
      const partner = viewerOf(req).tenant.id;
      const events = await listFraudEvents(ctx.db, partner, { status: statusFilter(req.query.status) });
      const body = csvDocument(
        COLUMNS,
        events.map((e) => [
          e.displayName,
          e.subscriptionId,
          e.id,
          e.status,
          new Date(e.firstObservedAt).toISOString(),
          new Date(e.lastObservedAt).toISOString(),
          alertCategoryOf(e.eventType),
          e.severity,
        ]),
      );
      setSecurityHeaders(reply.raw, [], 'same-origin');
      return reply
        .code(200)
        .header('Content-Disposition', 'attachment; filename="security-alerts.csv"')
        .type('text/csv; charset=utf-8; header=present')
        .send(body);
    },
  );

  app.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(
    `${ALERTS_PAGE}/:id/status`,
    { config: { dashboardPage: { operation: 'security.alerts.update', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const action = ACTIONS[req.body?.action ?? ''];
      const event = await getFraudEvent(ctx.db, viewer.tenant.id, req.params.id.slice(0, 120));
      if (!event) return refuse(req, reply, 404, 'There is no such alert.');
      if (!action) return refuse(req, reply, 400, 'Choose an action.');
      try {
        await changeFraudEventStatus(
          ctx.db,
          viewer.tenant.id,
          event.subscriptionId,
          [event.id],
          action.change,
          viewer.user.userPrincipalName,
          ctx.clock.now(),
        );
      } catch (error) {
        if (error instanceof FraudEventError)
          return refuse(req, reply, 409, 'The alert changed meanwhile; look again.');
        throw error;
      }
      return redirect(reply, `${ALERTS_PAGE}?done=${encodeURIComponent(action.label)}`);
    },
  );

  app.post<{ Params: { subscriptionId: string }; Body: Record<string, string | undefined> }>(
    `${ALERTS_PAGE}/subscriptions/:subscriptionId/suspend`,
    { config: { dashboardPage: { operation: 'security.alerts.suspend', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      // Reference §5.3: both Global Administrator and Admin agent.
      if (!maySuspend(viewer.roles))
        return refuse(
          req,
          reply,
          403,
          'Suspending a subscription needs both the Global admin and the Admin agent role.',
        );
      if (req.body?.confirm !== 'yes') return refuse(req, reply, 400, 'Tick “Yes, suspend” to confirm.');
      try {
        await suspendForFraud(
          ctx.db,
          ctx.dbKind,
          viewer.tenant.id,
          req.params.subscriptionId.slice(0, 40).toLowerCase(),
          viewer.user.userPrincipalName,
          ctx.clock.now(),
        );
      } catch (error) {
        if (error instanceof SubscriptionError) {
          const status = error.code === 'not_found' ? 404 : 409;
          return refuse(req, reply, status, error.message);
        }
        if (error instanceof FraudEventError)
          return refuse(req, reply, 409, 'An alert changed meanwhile; look again.');
        throw error;
      }
      return redirect(reply, `${ALERTS_PAGE}?done=${encodeURIComponent('Subscription suspended')}`);
    },
  );
}
