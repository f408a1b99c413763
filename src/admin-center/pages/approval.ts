import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { redirect, sendPage } from '../../dashboard/respond.ts';
import { REQUEST_LIFETIME_MS } from '../../delegated-admin/relationship-lifecycle.ts';
import {
  applyEvent,
  DelegatedAdminError,
  getRelationshipForApproval,
  type Relationship,
} from '../../delegated-admin/relationships.ts';
import { html } from '../../http/html.ts';
import { getCustomer } from '../../partner-center/customers.ts';
import { adminViewerOf } from '../gate.ts';
import { partnerOf, relationshipFacts } from '../relationship-view.ts';
import { adminPage } from '../views/layout.ts';

/** The approval link Partner Center gives the partner (reference §1.8), relative to WARDEN_BASE_URL. */
export const APPROVAL_PATH = '/admin/partners/invitation/granularAdminRelationships/';

/** Graph's relationship ids: two GUIDs joined by a hyphen (relationships.ts); anything else is no relationship. */
export const RELATIONSHIP_ID =
  /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i;

type Req = FastifyRequest<{ Params: { id: string } }>;

export function notFound(reply: FastifyReply, req: FastifyRequest): FastifyReply {
  return sendPage(
    reply,
    404,
    adminPage(
      'Request not found',
      html`<p data-testid="not-found">There is no such request for your organisation. Check the link the partner sent.</p>`,
      req.adminViewer,
    ),
  );
}

/**
 * The request the viewer's organisation may see: one naming it, or one naming no customer that
 * waits for approval and comes from one of its partners (Warden binds such a request to the
 * partner's own customers, relationships.ts). Another customer's request is not there at all.
 */
async function visibleRequest(
  ctx: WardenContext,
  customerTenantId: string,
  id: string,
): Promise<Relationship | undefined> {
  if (!RELATIONSHIP_ID.test(id)) return undefined;
  const rel = await getRelationshipForApproval(ctx.db, customerTenantId, id.toLowerCase());
  if (!rel) return undefined;
  if (rel.customerTenantId === null && !(await getCustomer(ctx.db, rel.partnerTenantId, customerTenantId)))
    return undefined;
  return rel;
}

/**
 * The customer's approval of a partner's request (SPEC §13, reference §1.8): the partner, its
 * relationship's name, every role with its meaning, the duration and auto-extension, and Approve /
 * Reject. A link is used once: after an answer (or once the request expired, §1.3) the page says
 * the request is no longer waiting and offers nothing to press.
 */
export function approvalPages(app: FastifyInstance, ctx: WardenContext): void {
  const render = async (req: Req, reply: FastifyReply, rel: Relationship, status: number) => {
    const viewer = adminViewerOf(req);
    const partner = await partnerOf(ctx.db, rel);
    const expired = rel.lockedAt !== null && ctx.clock.now() >= rel.lockedAt + REQUEST_LIFETIME_MS;
    const waiting = rel.status === 'approvalPending' && !expired;
    const answer = waiting
      ? html`<p>${partner.name} asks for these roles in ${viewer.tenant.display_name}. Approve only if you expect this request from them.</p>
<form method="post" action="${APPROVAL_PATH}${rel.id}" class="inline">
<input type="hidden" name="csrf" value="${viewer.session.csrf}">
<input type="hidden" name="decision" value="approve">
<button type="submit" data-testid="approve">Approve</button>
</form>
<form method="post" action="${APPROVAL_PATH}${rel.id}" class="inline">
<input type="hidden" name="csrf" value="${viewer.session.csrf}">
<input type="hidden" name="decision" value="reject">
<button type="submit" data-testid="reject">Reject</button>
</form>`
      : html`<p data-testid="answered" data-status="${rel.status}" role="status">${
          expired && rel.status === 'approvalPending'
            ? 'This request expired: it was not answered within 90 days. Ask the partner for a new one.'
            : `This request has already been answered; it is no longer waiting for approval (status: ${rel.status}).`
        }</p>
<p><a href="/admin/partners">See your partner relationships</a></p>`;
    return sendPage(
      reply,
      status,
      adminPage(
        `${partner.name} requests admin roles`,
        html`${relationshipFacts(rel, partner)}
${answer}`,
        viewer,
      ),
    );
  };

  app.get<{ Params: { id: string } }>(
    `${APPROVAL_PATH}:id`,
    { config: { adminPage: { operation: 'granularAdminRelationships.get' } } },
    async (req, reply) => {
      const rel = await visibleRequest(ctx, adminViewerOf(req).tenant.id, req.params.id);
      if (!rel) return notFound(reply, req);
      return render(req, reply, rel, 200);
    },
  );

  app.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(
    `${APPROVAL_PATH}:id`,
    { config: { adminPage: { operation: 'granularAdminRelationships.answer' } } },
    async (req, reply) => {
      const viewer = adminViewerOf(req);
      const rel = await visibleRequest(ctx, viewer.tenant.id, req.params.id);
      if (!rel) return notFound(reply, req);
      const decision = req.body?.decision;
      if (decision !== 'approve' && decision !== 'reject') return render(req, reply, rel, 400);
      try {
        await applyEvent(
          ctx.db,
          { customerTenantId: viewer.tenant.id },
          rel.id,
          {
            event: decision,
            actor: 'customer',
            approvedBy: viewer.user.id,
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
        // Answered meanwhile (another tab, another administrator) or expired: the page says which.
        const now = await visibleRequest(ctx, viewer.tenant.id, rel.id);
        return now ? render(req, reply, now, 409) : notFound(reply, req);
      }
      return redirect(reply, `${APPROVAL_PATH}${rel.id}`);
    },
  );
}
