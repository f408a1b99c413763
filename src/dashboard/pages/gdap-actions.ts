import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditActor } from '../../audit/audit-events.ts';
import type { WardenContext } from '../../context.ts';
import { createAssignment } from '../../delegated-admin/access-assignments.ts';
import {
  createRelationship,
  DelegatedAdminError,
  requestAction,
} from '../../delegated-admin/relationships.ts';
import { canonicalGuid } from '../../guid.ts';
import { html } from '../../http/html.ts';
import { getCustomer } from '../../partner-center/customers.ts';
import { type PageViewer, viewerOf } from '../guard.ts';
import { redirect, sendPage } from '../respond.ts';
import { type CreateValues, ROLE_FIELD } from '../views/gdap-forms.ts';
import { ERROR_STATUS, GDAP_HOME, type PageError, relationshipPath } from '../views/gdap-views.ts';
import { dashboardPage } from '../views/layout.ts';
import { GDAP_NAV, renderCreate, renderRelationship } from './gdap-render.ts';

type Form = Record<string, string | undefined>;
type FormRequest = FastifyRequest<{ Body: Form; Params: { id: string } }>;

const AREA = 'gdap' as const;

/**
 * The partner's GDAP changes from the dashboard: create, lock for approval, assign a group,
 * terminate. Each is a POST (CSRF checked by the page gate) answered 303 to the page that shows
 * the result (POST-redirect-GET); a refusal of the domain (`DelegatedAdminError`) is shown on the
 * page the form came from, with its code and the status it maps to, and changes nothing.
 */
export function gdapActionPages(app: FastifyInstance, ctx: WardenContext): void {
  app.post<{ Body: Form }>(
    GDAP_HOME,
    { config: { dashboardPage: { operation: 'gdap.relationships.create', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const values = createValues(req.body ?? {});
      try {
        const customer = canonicalGuid(values.customerId)
          ? await getCustomer(ctx.db, viewer.tenant.id, values.customerId)
          : undefined;
        if (!customer) throw new DelegatedAdminError('invalid', 'Choose one of your customers.');
        if (!/^\d{1,3}$/.test(values.durationDays))
          throw new DelegatedAdminError('invalid', 'The duration is a whole number of days from 1 to 730.');
        const created = await createRelationship(
          ctx.db,
          viewer.tenant.id,
          {
            displayName: values.displayName,
            duration: `P${Number(values.durationDays)}D`,
            autoExtendDuration: values.autoExtend ? 'P180D' : 'PT0S',
            roleTemplateIds: values.roleTemplateIds,
            customerTenantId: customer.customerTenantId,
          },
          ctx.clock.now(),
          actorOf(viewer),
        );
        return redirect(reply, relationshipPath(created.id));
      } catch (error) {
        const refusal = refusalOf(error);
        return sendPage(reply, ERROR_STATUS[refusal.code], await renderCreate(ctx, viewer, values, refusal));
      }
    },
  );

  app.post<{ Body: Form; Params: { id: string } }>(
    `${GDAP_HOME}/relationships/:id/lock`,
    { config: { dashboardPage: { operation: 'gdap.relationships.lock', area: AREA } } },
    (req, reply) =>
      change(ctx, req, reply, async (viewer, id, version) => {
        await requestAction(
          ctx.db,
          viewer.tenant.id,
          id,
          'lockForApproval',
          { ifVersion: version, by: actorOf(viewer) },
          ctx.clock.now(),
        );
      }),
  );

  app.post<{ Body: Form; Params: { id: string } }>(
    `${GDAP_HOME}/relationships/:id/terminate`,
    { config: { dashboardPage: { operation: 'gdap.relationships.terminate', area: AREA } } },
    (req, reply) =>
      change(ctx, req, reply, async (viewer, id, version) => {
        if (req.body?.confirm !== 'yes')
          throw new DelegatedAdminError('invalid', 'Tick “Yes, terminate this relationship” to confirm.');
        await requestAction(
          ctx.db,
          viewer.tenant.id,
          id,
          'terminate',
          { ifVersion: version, by: actorOf(viewer) },
          ctx.clock.now(),
        );
      }),
  );

  app.post<{ Body: Form; Params: { id: string } }>(
    `${GDAP_HOME}/relationships/:id/assignments`,
    { config: { dashboardPage: { operation: 'gdap.assignments.create', area: AREA } } },
    (req, reply) =>
      change(ctx, req, reply, async (viewer, id, version) => {
        // The form names the version it was rendered from: a relationship changed meanwhile
        // (terminated, say) is refused as such, checked under the relationship's lock.
        await createAssignment(
          ctx.db,
          viewer.tenant.id,
          id,
          {
            groupId: canonicalGuid(req.body?.groupId) ?? '',
            roleTemplateIds: rolesOf(req.body ?? {}),
            ifRelationshipVersion: version,
          },
          actorOf(viewer),
          ctx.clock.now(),
        );
      }),
  );
}

/** SPEC §13: the audit log names the person who acted, by their UPN. */
function actorOf(viewer: PageViewer): AuditActor {
  return {
    tenantId: viewer.tenant.id,
    userId: viewer.user.id,
    appId: null,
    name: viewer.user.userPrincipalName,
  };
}

/** A change to one relationship, from a form carrying the version it was rendered from. */
async function change(
  ctx: WardenContext,
  req: FormRequest,
  reply: FastifyReply,
  act: (viewer: PageViewer, id: string, version: number) => Promise<void>,
): Promise<FastifyReply> {
  const viewer = viewerOf(req);
  const id = req.params.id.slice(0, 100).toLowerCase();
  try {
    const version = req.body?.version;
    if (typeof version !== 'string' || !/^\d{1,12}$/.test(version))
      throw new DelegatedAdminError(
        'invalid',
        'The form does not say which version of the relationship it shows.',
      );
    await act(viewer, id, Number(version));
    return redirect(reply, relationshipPath(id));
  } catch (error) {
    const refusal = refusalOf(error);
    const page = await renderRelationship(ctx, viewer, id, refusal);
    if (page) return sendPage(reply, ERROR_STATUS[refusal.code], page);
    return sendPage(
      reply,
      404,
      dashboardPage(
        'Relationship not found',
        html`<p><a href="${GDAP_HOME}">All GDAP relationships</a></p>`,
        viewer,
        GDAP_NAV,
      ),
    );
  }
}

/** Domain refusals become the page's error; anything else is a fault and goes to the error handler. */
function refusalOf(error: unknown): PageError {
  if (error instanceof DelegatedAdminError) return { code: error.code, message: error.message };
  throw error;
}

function rolesOf(form: Form): string[] {
  return Object.keys(form)
    .filter((name) => name.startsWith(ROLE_FIELD) && form[name] === 'on')
    .map((name) => name.slice(ROLE_FIELD.length).toLowerCase());
}

function createValues(form: Form): CreateValues {
  return {
    displayName: String(form.displayName ?? '').slice(0, 200),
    customerId: String(form.customerId ?? '').toLowerCase(),
    durationDays: String(form.durationDays ?? '').trim(),
    roleTemplateIds: rolesOf(form),
    autoExtend: form.autoExtend === 'P180D',
  };
}
