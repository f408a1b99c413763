import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { type Html, html } from '../../http/html.ts';
import { LIMITS } from '../../technical-exceptions/evidence.ts';
import { readProgramSettings } from '../../technical-exceptions/program-settings.ts';
import { ExceptionRefusal } from '../../technical-exceptions/refusals.ts';
import {
  fileException,
  isOverdue,
  listPartnerExceptions,
  REQUEST_CATEGORY,
  REQUEST_TITLE,
  type TechnicalException,
} from '../../technical-exceptions/requests.ts';
import { viewerOf } from '../guard.ts';
import { redirect, sendPage } from '../respond.ts';
import { dashboardPage, day, table } from '../views/layout.ts';

export const EXCEPTIONS_PAGE = '/dashboard/technical-exceptions';
const AREA = 'technical-exceptions' as const;

type Form = Record<string, string | undefined>;

/** What a partner reads in the Status column: the state, and for an approval until when and where. */
export function statusText(e: TechnicalException): string {
  if (e.status === 'approved' && e.endsAt !== null)
    return `approved for ${e.scope.join(' and ')} through ${day(e.endsAt - 86_400_000)}`;
  return e.status;
}

function row(e: TechnicalException, now: number): Html {
  return html`<tr data-testid="exception-${e.id}"><td>${day(e.filedAt)}</td><td>${e.mfaProduct}</td><td>${e.purchaseReference}</td><td>${e.selfTest.result} (${e.selfTest.user})</td><td>${day(e.dueAt)}${isOverdue(e, now) ? html` <span class="badge warn">overdue</span>` : ''}</td><td data-testid="exception-status">${statusText(e)}</td><td>${e.reason ?? ''}</td></tr>`;
}

function form(csrf: string, values: Form): Html {
  return html`<form method="post" action="${EXCEPTIONS_PAGE}" class="stack">
<input type="hidden" name="csrf" value="${csrf}">
<label for="mfaProduct">Third-party MFA product</label>
<input id="mfaProduct" name="mfaProduct" required maxlength="${LIMITS.mfaProduct}" value="${values.mfaProduct ?? ''}">
<label for="integration">How it is integrated, and why it cannot send the MFA claim</label>
<textarea id="integration" name="integration" required maxlength="${LIMITS.integration}" rows="5">${values.integration ?? ''}</textarea>
<label for="selfTest">Self-test of an affected account: the output of <code>warden test-security-requirements --json</code></label>
<textarea id="selfTest" name="selfTest" required maxlength="${LIMITS.selfTest}" rows="6">${values.selfTest ?? ''}</textarea>
<label for="purchaseReference">Purchase reference of the MFA product</label>
<input id="purchaseReference" name="purchaseReference" required maxlength="${LIMITS.purchaseReference}" value="${values.purchaseReference ?? ''}">
<button type="submit">File the request</button>
</form>`;
}

/**
 * SPEC §12, the partner's side: "MFA - Request for exception" (category CSP > Accounts,
 * Onboarding, Access), for Global admins and Admin agents with MFA (area `technical-exceptions`,
 * which no exception covers: scope.ts). The page lists the partner's requests and, while the
 * program accepts exceptions, offers the form.
 */
export function technicalExceptionPages(app: FastifyInstance, ctx: WardenContext): void {
  const render = async (req: FastifyRequest, values: Form = {}, error?: string) => {
    const viewer = viewerOf(req);
    const now = ctx.clock.now();
    const [requests, settings] = await Promise.all([
      listPartnerExceptions(ctx.db, viewer.tenant.id, now),
      readProgramSettings(ctx.db),
    ]);
    return dashboardPage(
      'Technical exceptions',
      html`<p>An approved exception lets accounts of ${viewer.tenant.display_name} use the dashboard and the Partner API without the MFA claim until its end date. It never covers signing in to a customer's tenant (delegated admin), GDAP or DAP, and the program can withdraw it at any time.</p>
${table(
  ['Filed', 'MFA product', 'Purchase reference', 'Self-test', 'Answer due', 'Status', 'Reason'],
  requests.map((e) => row(e, now)),
  'No requests filed.',
)}
<h2>${REQUEST_TITLE}</h2>
<p class="muted">Category: ${REQUEST_CATEGORY}. The operator answers within three working days.</p>
${error ? html`<p class="error" role="alert" data-testid="form-error">${error}</p>` : ''}
${
  settings.technicalExceptionsAccepted
    ? form(viewer.session.csrf, values)
    : html`<p data-testid="exceptions-not-accepted">The partner program does not accept technical exceptions: every account must sign in with MFA that sends the MFA claim.</p>`
}`,
      viewer,
      EXCEPTIONS_PAGE,
    );
  };

  // A partner tenant's page only: the gate refuses the operator's admins (AREA_TENANT_KIND, guard.ts).
  app.get(
    EXCEPTIONS_PAGE,
    { config: { dashboardPage: { operation: 'technicalexceptions.list', area: AREA } } },
    async (req, reply) => sendPage(reply, 200, await render(req)),
  );

  app.post<{ Body: Form }>(
    EXCEPTIONS_PAGE,
    { config: { dashboardPage: { operation: 'technicalexceptions.create', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const values = req.body ?? {};
      try {
        await fileException(
          ctx.db,
          viewer.tenant.id,
          {
            mfaProduct: values.mfaProduct,
            integration: values.integration,
            selfTest: values.selfTest,
            purchaseReference: values.purchaseReference,
          },
          { userId: viewer.user.id, userPrincipalName: viewer.user.userPrincipalName },
          ctx.clock.now(),
        );
      } catch (error) {
        if (!(error instanceof ExceptionRefusal)) throw error;
        const status =
          error.code === 'exceptions_not_accepted'
            ? 403
            : error.code === 'exception_already_pending'
              ? 409
              : 400;
        return sendPage(reply, status, await render(req, values, error.message));
      }
      return redirect(reply, EXCEPTIONS_PAGE);
    },
  );
}
