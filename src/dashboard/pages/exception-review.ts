import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { isGuid } from '../../guid.ts';
import { type Html, html } from '../../http/html.ts';
import {
  approveException,
  endException,
  MAX_APPROVAL_DAYS,
  MAX_REASON,
  rejectException,
} from '../../technical-exceptions/decisions.ts';
import { readProgramSettings, setExceptionsAccepted } from '../../technical-exceptions/program-settings.ts';
import { ExceptionRefusal } from '../../technical-exceptions/refusals.ts';
import {
  getProgramException,
  isOverdue,
  listProgramExceptions,
  type TechnicalException,
} from '../../technical-exceptions/requests.ts';
import { ENFORCEMENT_POINTS, type EnforcementPoint } from '../../technical-exceptions/scope.ts';
import { viewerOf } from '../guard.ts';
import { redirect, sendPage } from '../respond.ts';
import { dashboardPage, day, table } from '../views/layout.ts';
import { statusText } from './technical-exceptions.ts';

export const REVIEW_PAGE = '/dashboard/program/exceptions';
const SETTINGS_PATH = '/dashboard/program/settings';
const AREA = 'program' as const;

type Form = Record<string, string | undefined>;
type IdRequest = FastifyRequest<{ Params: { id: string }; Body: Form }>;

const STATUS_OF: Record<ExceptionRefusal['code'], number> = {
  exceptions_not_accepted: 403,
  exception_already_pending: 409,
  invalid_exception_evidence: 400,
  invalid_self_test: 400,
  exception_not_pending: 409,
  exception_not_in_force: 409,
  invalid_exception_decision: 400,
  not_found: 404,
};

function due(e: TechnicalException, now: number): Html {
  return html`${day(e.dueAt)}${isOverdue(e, now) ? html` <span class="badge warn" data-testid="overdue">overdue</span>` : ''}`;
}

function queueRow(e: TechnicalException, now: number): Html {
  return html`<tr data-testid="review-${e.id}"><td><a href="${REVIEW_PAGE}/${e.id}">${e.partnerName ?? e.partnerTenantId}</a></td><td>${day(e.filedAt)}</td><td>${due(e, now)}</td><td>${e.mfaProduct}</td><td>${e.selfTest.result}</td><td data-testid="review-status">${statusText(e)}</td></tr>`;
}

function settingsForm(csrf: string, accepted: boolean): Html {
  return html`<form method="post" action="${SETTINGS_PATH}" class="inline">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="technicalExceptionsAccepted" value="${accepted ? 'false' : 'true'}">
<button type="submit"${accepted ? html` class="danger"` : ''}>${accepted ? 'Stop accepting exceptions (ends every approved one)' : 'Accept exception requests'}</button>
</form>`;
}

function decisionForms(csrf: string, e: TechnicalException, now: number): Html {
  const today = day(now);
  const latest = day(now + MAX_APPROVAL_DAYS * 86_400_000);
  return html`<h2>Approve</h2>
<form method="post" action="${REVIEW_PAGE}/${e.id}/approve" class="stack">
<input type="hidden" name="csrf" value="${csrf}">
<label for="endDate">Last day covered (UTC; at most ${MAX_APPROVAL_DAYS} days ahead)</label>
<input id="endDate" name="endDate" type="date" required min="${today}" max="${latest}">
<fieldset class="roles"><legend>Covers (never delegated admin, E3)</legend>
${ENFORCEMENT_POINTS.map(
  (p) =>
    html`<label class="check"><input type="checkbox" name="scope-${p}" value="on" checked> ${p === 'E1' ? 'E1: the dashboard' : 'E2: the Partner API'}</label>`,
)}
</fieldset>
<button type="submit">Approve</button>
</form>
<h2>Reject</h2>
<form method="post" action="${REVIEW_PAGE}/${e.id}/reject" class="stack">
<input type="hidden" name="csrf" value="${csrf}">
<label for="reason">Reason (the partner sees it)</label>
<textarea id="reason" name="reason" required maxlength="${MAX_REASON}" rows="3"></textarea>
<button type="submit" class="danger">Reject</button>
</form>`;
}

function endForm(csrf: string, e: TechnicalException): Html {
  return html`<h2>End it now</h2>
<form method="post" action="${REVIEW_PAGE}/${e.id}/end" class="stack">
<input type="hidden" name="csrf" value="${csrf}">
<label for="endReason">Reason (the partner sees it)</label>
<textarea id="endReason" name="reason" required maxlength="${MAX_REASON}" rows="3"></textarea>
<button type="submit" class="danger">End the exception</button>
</form>`;
}

function detail(e: TechnicalException, now: number): Html {
  return html`<dl class="facts">
<dt>Partner</dt><dd>${e.partnerName ?? ''} (${e.partnerTenantId})</dd>
<dt>Filed</dt><dd>${new Date(e.filedAt).toISOString()} by ${e.filedBy}</dd>
<dt>Answer due</dt><dd>${due(e, now)}</dd>
<dt>Status</dt><dd data-testid="review-status">${statusText(e)}</dd>
<dt>Third-party MFA product</dt><dd>${e.mfaProduct}</dd>
<dt>Integration</dt><dd>${e.integration}</dd>
<dt>Purchase reference</dt><dd>${e.purchaseReference}</dd>
<dt>Self-test</dt><dd>${e.selfTest.result} for ${e.selfTest.user}, amr [${e.selfTest.amr.join(', ')}]${e.selfTest.api ? ` — ${e.selfTest.api.request} answered ${e.selfTest.api.status}` : ''}</dd>
${e.reason ? html`<dt>Reason</dt><dd>${e.reason}</dd>` : ''}
${e.decidedBy ? html`<dt>Decided by</dt><dd>${e.decidedBy}</dd>` : ''}
</dl>`;
}

/**
 * SPEC §12, the operator's side: the review queue of every partner's requests with its due date
 * (three working days, weekends skipped) and overdue items, the decisions, and the program
 * setting. Area `program`: the gate admits the operator tenant's Global and Security admins only
 * (ACCESS, AREA_TENANT_KIND; guard.ts), before any handler here runs.
 */
export function exceptionReviewPages(app: FastifyInstance, ctx: WardenContext): void {
  const renderQueue = async (req: FastifyRequest, error?: string) => {
    const viewer = viewerOf(req);
    const now = ctx.clock.now();
    const [items, settings] = await Promise.all([
      listProgramExceptions(ctx.db, now),
      readProgramSettings(ctx.db),
    ]);
    const overdue = items.filter((e) => isOverdue(e, now)).length;
    return dashboardPage(
      'Technical exception review',
      html`<p data-testid="exceptions-setting">${settings.technicalExceptionsAccepted ? 'The program accepts technical exception requests.' : 'The program does not accept technical exceptions (the default): partners cannot file, and no exception covers anything.'}</p>
${settingsForm(viewer.session.csrf, settings.technicalExceptionsAccepted)}
${error ? html`<p class="error" role="alert" data-testid="form-error">${error}</p>` : ''}
<h2>Requests</h2>
<p data-testid="overdue-count">${overdue === 0 ? 'Nothing is overdue.' : `${overdue} overdue (past three working days).`}</p>
${table(
  ['Partner', 'Filed', 'Answer due', 'MFA product', 'Self-test', 'Status'],
  items.map((e) => queueRow(e, now)),
  'No requests.',
)}`,
      viewer,
      REVIEW_PAGE,
    );
  };

  const renderOne = async (
    req: IdRequest,
    reply: FastifyReply,
    error?: { status: number; message: string },
  ) => {
    const viewer = viewerOf(req);
    const now = ctx.clock.now();
    const found = isGuid(req.params.id)
      ? await getProgramException(ctx.db, req.params.id.toLowerCase(), now)
      : undefined;
    if (!found)
      return sendPage(
        reply,
        404,
        dashboardPage('No such request', html`<p><a href="${REVIEW_PAGE}">All requests</a></p>`, viewer),
      );
    return sendPage(
      reply,
      error?.status ?? 200,
      dashboardPage(
        `Exception request of ${found.partnerName ?? found.partnerTenantId}`,
        html`${error ? html`<p class="error" role="alert" data-testid="form-error">${error.message}</p>` : ''}
${detail(found, now)}
${found.status === 'pending' ? decisionForms(viewer.session.csrf, found, now) : ''}
${found.status === 'approved' ? endForm(viewer.session.csrf, found) : ''}
<p><a href="${REVIEW_PAGE}">All requests</a></p>`,
        viewer,
        REVIEW_PAGE,
      ),
    );
  };

  /** A decision's refusal is shown on the request's page with its status; anything else is thrown. */
  const decide = async (req: IdRequest, reply: FastifyReply, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof ExceptionRefusal)) throw error;
      return renderOne(req, reply, { status: STATUS_OF[error.code], message: error.message });
    }
    return redirect(reply, `${REVIEW_PAGE}/${req.params.id}`);
  };

  const page = (operation: string) => ({ config: { dashboardPage: { operation, area: AREA } } });

  app.get(REVIEW_PAGE, page('program.technicalexceptions.list'), async (req, reply) => {
    return sendPage(reply, 200, await renderQueue(req));
  });

  app.get<{ Params: { id: string }; Body: Form }>(
    `${REVIEW_PAGE}/:id`,
    page('program.technicalexceptions.view'),
    async (req, reply) => renderOne(req, reply),
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    `${REVIEW_PAGE}/:id/approve`,
    page('program.technicalexceptions.approve'),
    async (req, reply) => {
      const form = req.body ?? {};
      const scope = ENFORCEMENT_POINTS.filter((p): p is EnforcementPoint => form[`scope-${p}`] === 'on');
      const by = viewerOf(req).user.userPrincipalName;
      return decide(req, reply, () =>
        approveException(ctx.db, req.params.id, { endDate: form.endDate, scope }, { by }, ctx.clock.now()),
      );
    },
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    `${REVIEW_PAGE}/:id/reject`,
    page('program.technicalexceptions.reject'),
    async (req, reply) => {
      const by = viewerOf(req).user.userPrincipalName;
      return decide(req, reply, () =>
        rejectException(ctx.db, req.params.id, req.body?.reason, { by }, ctx.clock.now()),
      );
    },
  );

  app.post<{ Params: { id: string }; Body: Form }>(
    `${REVIEW_PAGE}/:id/end`,
    page('program.technicalexceptions.end'),
    async (req, reply) => {
      const by = viewerOf(req).user.userPrincipalName;
      return decide(req, reply, () =>
        endException(ctx.db, req.params.id, req.body?.reason, { by }, ctx.clock.now()),
      );
    },
  );

  app.post<{ Body: Form }>(SETTINGS_PATH, page('program.settings.update'), async (req, reply) => {
    const value = req.body?.technicalExceptionsAccepted;
    if (value !== 'true' && value !== 'false')
      return sendPage(reply, 400, await renderQueue(req, 'Choose whether the program accepts exceptions.'));
    await setExceptionsAccepted(
      ctx.db,
      value === 'true',
      viewerOf(req).user.userPrincipalName,
      ctx.clock.now(),
    );
    return redirect(reply, REVIEW_PAGE);
  });
}
