import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditActor } from '../../audit/audit-events.ts';
import type { WardenContext } from '../../context.ts';
import {
  DAP_INACTIVE_DAYS,
  DAP_REMOVAL_RECOMMENDED_DAYS,
  type DapCustomer,
  dapReport,
  gdapApprovalUrl,
  MAX_DAP_REMOVALS,
  proposeGdapFromDap,
  removeDap,
} from '../../delegated-admin/dap.ts';
import { DelegatedAdminError, getRelationship } from '../../delegated-admin/relationships.ts';
import { canonicalGuid } from '../../guid.ts';
import { type Html, html } from '../../http/html.ts';
import { viewerOf } from '../guard.ts';
import { redirect, sendPage } from '../respond.ts';
import { GDAP_HOME, relationshipPath } from '../views/gdap-views.ts';
import { dashboardPage, day, table } from '../views/layout.ts';

const PAGE = '/dashboard/customers/dap';
/** One checkbox per customer, named after it: the form parser keeps one value per name. */
const PICK = 'customer:';

function actorOf(req: FastifyRequest): AuditActor {
  const { user, tenant } = viewerOf(req);
  return { tenantId: tenant.id, userId: user.id, appId: null, name: user.userPrincipalName };
}

/** §1.11's flags, highlighted: past 60 days removal is recommended, past 90 DAP counts as inactive. */
function flag(c: DapCustomer): Html {
  if (c.activity === 'inactiveOver90Days')
    return html`<span class="badge warn" data-activity="${c.activity}">Inactive over ${DAP_INACTIVE_DAYS} days: remove</span>`;
  if (c.activity === 'inactiveOver60Days')
    return html`<span class="badge warn" data-activity="${c.activity}">Inactive over ${DAP_REMOVAL_RECOMMENDED_DAYS} days</span>`;
  return html`<span class="badge ok" data-activity="${c.activity}">Active</span>`;
}

function row(c: DapCustomer): Html {
  return html`<tr data-customer="${c.customerId}">
<td><input type="checkbox" id="pick-${c.customerId}" name="${PICK}${c.customerId}" value="remove"></td>
<td><label for="pick-${c.customerId}">${c.companyName}</label><br><span class="muted">${c.domain}</span></td>
<td>${day(c.dapSince)}</td><td>${c.daysEnabled}</td>
<td>${c.lastUsedAt === null ? 'Never' : day(c.lastUsedAt)}</td><td>${c.daysInactive}</td>
<td>${flag(c)}</td>
<td><button type="submit" formaction="${PAGE}/${c.customerId}/move" data-testid="move-${c.customerId}">Move to GDAP</button></td>
</tr>`;
}

/**
 * Customers > Delegated admin privileges (SPEC §13, reference §1.11): every customer still on DAP,
 * when a partner agent last used it and the 60/90-day flags; remove DAP for the customers ticked,
 * or propose the GDAP relationship that replaces it. Admin agents only, with MFA (area `gdap`).
 */
export function dapPages(app: FastifyInstance, ctx: WardenContext): void {
  const render = async (req: FastifyRequest, notice?: Html, error?: string) => {
    const viewer = viewerOf(req);
    const report = await dapReport(ctx.db, viewer.tenant.id, ctx.clock.now());
    return dashboardPage(
      'Delegated admin privileges (DAP)',
      html`<p>Microsoft retired DAP: replace it with a GDAP relationship the customer approves, then remove it. Removing DAP is recommended once it has not been used for ${DAP_REMOVAL_RECOMMENDED_DAYS} days; after ${DAP_INACTIVE_DAYS} days it counts as inactive. DAP cannot be granted again. <a href="${GDAP_HOME}">GDAP relationships</a></p>
${notice ?? ''}${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="${PAGE}/remove">
<input type="hidden" name="csrf" value="${viewer.session.csrf}">
${table(
  ['Remove', 'Customer', 'DAP since', 'Days enabled', 'Last used', 'Days inactive', 'Activity', 'GDAP'],
  report.map(row),
  'No customer grants you DAP any more.',
)}
${report.length > 0 ? html`<button type="submit" data-testid="remove-dap">Remove DAP for the selected customers</button>` : ''}
</form>`,
      viewer,
      GDAP_HOME,
    );
  };

  app.get<{ Querystring: { removed?: string; skipped?: string; proposed?: string } }>(
    PAGE,
    { config: { dashboardPage: { operation: 'dap.report', area: 'gdap' } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const q = req.query;
      let notice: Html | undefined;
      const proposed = typeof q.proposed === 'string' ? q.proposed.slice(0, 80) : undefined;
      const relationship = proposed
        ? await getRelationship(ctx.db, { partnerTenantId: viewer.tenant.id }, proposed)
        : undefined;
      if (relationship) {
        notice = html`<p role="status" data-testid="proposed">Proposed <a href="${relationshipPath(relationship.id)}">${relationship.displayName}</a> (${relationship.status}). Send the customer's Global Administrator this approval link: <code data-testid="approval-link">${gdapApprovalUrl(ctx.config.baseUrl, relationship.id)}</code>. Remove DAP once the relationship is active.</p>`;
      } else if (q.removed !== undefined) {
        const removed = Number.parseInt(String(q.removed), 10) || 0;
        const skipped = Number.parseInt(String(q.skipped ?? '0'), 10) || 0;
        notice = html`<p role="status" data-testid="removed">DAP removed for ${removed} customer${removed === 1 ? '' : 's'}.${skipped > 0 ? ` ${skipped} had no DAP any more.` : ''}</p>`;
      }
      return sendPage(reply, 200, await render(req, notice));
    },
  );

  app.post<{ Body: Record<string, string | undefined> }>(
    `${PAGE}/remove`,
    { config: { dashboardPage: { operation: 'dap.remove', area: 'gdap' } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const ids = Object.keys(req.body ?? {})
        .filter((key) => key.startsWith(PICK))
        .map((key) => canonicalGuid(key.slice(PICK.length)))
        .filter((id): id is string => id !== undefined);
      if (ids.length === 0)
        return sendPage(reply, 400, await render(req, undefined, 'Tick the customers to remove DAP for.'));
      if (ids.length > MAX_DAP_REMOVALS)
        return sendPage(
          reply,
          400,
          await render(req, undefined, `Remove DAP for at most ${MAX_DAP_REMOVALS} customers at once.`),
        );
      const result = await removeDap(ctx.db, viewer.tenant.id, ids, actorOf(req), ctx.clock.now());
      return redirect(reply, `${PAGE}?removed=${result.removed.length}&skipped=${result.notRemoved.length}`);
    },
  );

  app.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(
    `${PAGE}/:id/move`,
    { config: { dashboardPage: { operation: 'dap.move', area: 'gdap' } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const id = canonicalGuid(req.params.id);
      try {
        if (!id) throw new DelegatedAdminError('not_found', 'No such customer.');
        const { relationship } = await proposeGdapFromDap(
          ctx.db,
          viewer.tenant.id,
          id,
          actorOf(req),
          ctx.clock.now(),
          ctx.config.baseUrl,
        );
        return redirect(reply, `${PAGE}?proposed=${encodeURIComponent(relationship.id)}`);
      } catch (error) {
        if (!(error instanceof DelegatedAdminError)) throw error;
        const status = error.code === 'not_found' ? 404 : 409;
        return sendPage(reply, status, await render(req, undefined, error.message));
      }
    },
  );
}
