import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { redirect, sendPage } from '../../dashboard/respond.ts';
import { table } from '../../dashboard/views/layout.ts';
import type { RelationshipStatus } from '../../delegated-admin/relationship-lifecycle.ts';
import {
  applyEvent,
  DelegatedAdminError,
  getRelationship,
  listCustomerRelationships,
  type Relationship,
} from '../../delegated-admin/relationships.ts';
import { html } from '../../http/html.ts';
import { listServicePrincipals } from '../../service-principals/service-principals.ts';
import { consentedApplicationsSection } from '../consented-applications-view.ts';
import { adminViewerOf } from '../gate.ts';
import {
  approverOf,
  autoExtension,
  partnerOf,
  relationshipFacts,
  roleNames,
  when,
} from '../relationship-view.ts';
import { adminPage } from '../views/layout.ts';
import { RELATIONSHIP_ID } from './approval.ts';

const LIST = '/admin/partners';

/** The list's filters: what "active" and "expired" mean to a customer reading its partners' access. */
const FILTERS: Record<'active' | 'expired' | 'all', readonly RelationshipStatus[] | undefined> = {
  active: ['approved', 'activating', 'active'],
  expired: ['expiring', 'expired'],
  all: undefined,
};
type Filter = keyof typeof FILTERS;

function isFilter(value: unknown): value is Filter {
  return typeof value === 'string' && Object.hasOwn(FILTERS, value);
}

async function ownRelationship(ctx: WardenContext, customerTenantId: string, id: string) {
  if (!RELATIONSHIP_ID.test(id)) return undefined;
  return getRelationship(ctx.db, { customerTenantId }, id.toLowerCase());
}

function notFound(reply: FastifyReply, req: FastifyRequest): FastifyReply {
  return sendPage(
    reply,
    404,
    adminPage(
      'Relationship not found',
      html`<p data-testid="not-found">Your organisation has no such partner relationship.</p>`,
      req.adminViewer,
    ),
  );
}

/**
 * "Partner relationships" (reference §1.8): every partner holding, or having held, admin roles in
 * the customer's tenant — roles, expiry, auto-extension, who approved it and when — and "Remove
 * roles", which terminates the relationship after a confirmation (the lifecycle's `terminate` by
 * the customer, logged in both tenants' audit logs). Below the relationships, the applications
 * partners consented into the tenant (reference §3.3), each removable.
 */
export function partnerRelationshipPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get('/admin', { config: { adminPage: { operation: 'adminCenter.home' } } }, async (_req, reply) =>
    redirect(reply, LIST),
  );

  app.get<{ Querystring: { status?: string } }>(
    LIST,
    { config: { adminPage: { operation: 'partnerRelationships.list' } } },
    async (req, reply) => {
      const viewer = adminViewerOf(req);
      const filter: Filter = isFilter(req.query.status) ? req.query.status : 'all';
      const statuses = FILTERS[filter];
      const [all, consents] = await Promise.all([
        listCustomerRelationships(ctx.db, viewer.tenant.id),
        listServicePrincipals(ctx.db, viewer.tenant.id),
      ]);
      const applications = await consentedApplicationsSection(ctx.db, consents, viewer.session.csrf);
      const shown = statuses ? all.filter((r) => statuses.includes(r.status)) : all;
      const rows = await Promise.all(
        shown.map(async (r) => {
          const [partner, approver] = await Promise.all([
            partnerOf(ctx.db, r),
            approverOf(ctx.db, viewer.tenant.id, r),
          ]);
          return html`<tr data-relationship="${r.id}"><td>${partner.name}</td><td><a href="${LIST}/${r.id}">${r.displayName}</a></td><td data-testid="row-status">${r.status}</td><td>${roleNames(r.roleTemplateIds)}</td><td>${when(r.activatedAt)}</td><td>${approver}</td><td>${when(r.endsAt)}</td><td>${autoExtension(r.autoExtendDuration)}</td></tr>`;
        }),
      );
      return sendPage(
        reply,
        200,
        adminPage(
          'Partner relationships',
          html`<nav aria-label="Filter"><ul>${(Object.keys(FILTERS) as Filter[]).map(
            (f) =>
              html`<li><a href="${LIST}?status=${f}"${f === filter ? html` aria-current="page"` : ''}>${f}</a></li>`,
          )}</ul></nav>
${table(
  ['Partner', 'Relationship', 'Status', 'Roles', 'Approved', 'Approved by', 'Expires', 'Auto-extension'],
  rows,
  'No partner relationships.',
)}
${applications}`,
          viewer,
          LIST,
        ),
      );
    },
  );

  const detail = async (req: FastifyRequest, reply: FastifyReply, rel: Relationship, confirm: boolean) => {
    const viewer = adminViewerOf(req);
    const [partner, approver] = await Promise.all([
      partnerOf(ctx.db, rel),
      approverOf(ctx.db, viewer.tenant.id, rel),
    ]);
    const removable = rel.status === 'active';
    const action = !removable
      ? ''
      : confirm
        ? html`<p role="alert" data-testid="confirm-remove">Remove every role ${partner.name} holds through "${rel.displayName}"? Its users lose access to your organisation at once, and the relationship cannot be restored: the partner must ask again.</p>
<form method="post" action="${LIST}/${rel.id}/remove-roles" class="inline">
<input type="hidden" name="csrf" value="${viewer.session.csrf}">
<button type="submit" data-testid="remove-roles-confirm">Remove roles</button>
</form>
<p><a href="${LIST}/${rel.id}">Cancel</a></p>`
        : html`<p><a href="${LIST}/${rel.id}/remove-roles" data-testid="remove-roles">Remove roles</a></p>`;
    return sendPage(
      reply,
      200,
      adminPage(
        rel.displayName,
        html`${relationshipFacts(rel, partner)}
<dl class="facts">
<dt>Approved</dt><dd>${when(rel.activatedAt)}</dd>
<dt>Approved by</dt><dd data-testid="approved-by">${approver}</dd>
<dt>Expires</dt><dd data-testid="expires">${when(rel.endsAt)}</dd>
<dt>Ended</dt><dd>${when(rel.endedAt)}</dd>
</dl>
${action}
<p><a href="${LIST}">All partner relationships</a></p>`,
        viewer,
        LIST,
      ),
    );
  };

  app.get<{ Params: { id: string } }>(
    `${LIST}/:id`,
    { config: { adminPage: { operation: 'partnerRelationships.get' } } },
    async (req, reply) => {
      const rel = await ownRelationship(ctx, adminViewerOf(req).tenant.id, req.params.id);
      return rel ? detail(req, reply, rel, false) : notFound(reply, req);
    },
  );

  app.get<{ Params: { id: string } }>(
    `${LIST}/:id/remove-roles`,
    { config: { adminPage: { operation: 'partnerRelationships.confirmTerminate' } } },
    async (req, reply) => {
      const rel = await ownRelationship(ctx, adminViewerOf(req).tenant.id, req.params.id);
      return rel ? detail(req, reply, rel, true) : notFound(reply, req);
    },
  );

  app.post<{ Params: { id: string } }>(
    `${LIST}/:id/remove-roles`,
    { config: { adminPage: { operation: 'partnerRelationships.terminate' } } },
    async (req, reply) => {
      const viewer = adminViewerOf(req);
      const rel = await ownRelationship(ctx, viewer.tenant.id, req.params.id);
      if (!rel) return notFound(reply, req);
      try {
        await applyEvent(
          ctx.db,
          { customerTenantId: viewer.tenant.id },
          rel.id,
          {
            event: 'terminate',
            actor: 'customer',
            by: {
              tenantId: viewer.tenant.id,
              userId: viewer.user.id,
              appId: null,
              name: viewer.user.userPrincipalName,
            },
          },
          ctx.clock.now(),
        );
      } catch (error) {
        if (!(error instanceof DelegatedAdminError)) throw error;
        if (error.code === 'not_found') return notFound(reply, req);
        // Already ended, or changed meanwhile: the detail page shows where it stands now.
      }
      return redirect(reply, `${LIST}/${rel.id}`);
    },
  );
}
