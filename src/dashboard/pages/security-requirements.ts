import type { FastifyInstance } from 'fastify';
import { firstRegistrationRequiresTap } from '../../authentication-methods/temporary-access-pass/registration-setting.ts';
import { applicationAdoption, nonMfaPrincipals, recentPartnerRequests } from '../../compliance/downloads.ts';
import { partnerStatus } from '../../compliance/status.ts';
import type { WardenContext } from '../../context.ts';
import { setSecurityHeaders } from '../../http/security-headers.ts';
import {
  getSecurityContact,
  SecurityContactError,
  setSecurityContact,
} from '../../security-score/contact.ts';
import { HISTORY_DAYS, scoreHistory } from '../../security-score/history.ts';
import { computeSecurityScore } from '../../security-score/score.ts';
import { type PageViewer, viewerOf } from '../guard.ts';
import { redirect, sendPage } from '../respond.ts';
import { csvDocument } from '../views/csv.ts';
import {
  type ContactForm,
  DOWNLOADS,
  REQUIREMENTS_PAGE,
  renderRequirements,
} from './security-requirements-render.ts';

const AREA = 'security-requirements' as const;

/**
 * Security > Security requirements (issue 14 item 4, SPEC §11, reference §4.1–§4.2): the score
 * and its requirements, the three figures with their 7-day trend and 30-day history, the accounts
 * behind requests without MFA, the customers whose administrators lack MFA, the security contact
 * form and the downloads as CSV with Partner Center's columns. Admin agents, Security admins and
 * Global admins, with MFA (ACCESS['security-requirements']); a partner tenant's page only (the
 * gate refuses the operator's admins: AREA_TENANT_KIND, guard.ts).
 */
export function securityRequirementsPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get(
    REQUIREMENTS_PAGE,
    { config: { dashboardPage: { operation: 'securityRequirements.view', area: AREA } } },
    async (req, reply) => {
      return sendPage(reply, 200, await render(ctx, viewerOf(req), req.underException === true));
    },
  );

  app.post<{ Body: Record<string, string | undefined> }>(
    `${REQUIREMENTS_PAGE}/contact`,
    { config: { dashboardPage: { operation: 'securityRequirements.contact.set', area: AREA } } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const body = req.body ?? {};
      const values = { name: body.name ?? '', email: body.email ?? '', phone: body.phone ?? '' };
      try {
        await setSecurityContact(
          ctx.db,
          viewer.tenant.id,
          values,
          {
            tenantId: viewer.tenant.id,
            userId: viewer.user.id,
            appId: null,
            name: viewer.user.userPrincipalName,
          },
          ctx.clock.now(),
        );
      } catch (error) {
        if (!(error instanceof SecurityContactError)) throw error;
        const form: ContactForm = { values, error: { field: error.field, message: error.message } };
        return sendPage(reply, 400, await render(ctx, viewer, req.underException === true, form));
      }
      return redirect(reply, `${REQUIREMENTS_PAGE}#contact`);
    },
  );

  // Reference §4.1 "Portal requests without MFA": the dashboard's accounts (figure B1).
  download(
    app,
    DOWNLOADS.portal,
    'securityRequirements.download.portalRequestsWithoutMfa',
    async (tenantId) =>
      csvDocument(
        ['ObjectId', 'TenantId', 'Upn', 'LastNonMfaCompliantLoginDateTime'],
        (await nonMfaPrincipals(ctx.db, tenantId, ctx.clock.now(), 'dashboard')).map((p) => [
          p.objectId,
          p.tenantId,
          p.upn,
          p.lastNonMfaCompliantRequestDateTime,
        ]),
      ),
  );
  // Reference §4.1 "API requests summary": App+User requests per application per day.
  download(app, DOWNLOADS.summary, 'securityRequirements.download.apiRequestsSummary', async (tenantId) =>
    csvDocument(
      ['LoginDate', 'MfaCompliantRequestCount', 'TotalRequestCount', 'ApplicationId', 'ApplicationName'],
      (await applicationAdoption(ctx.db, tenantId, ctx.clock.now())).map((a) => [
        a.loginDate,
        String(a.mfaCompliantRequestCount),
        String(a.totalRequestCount),
        a.applicationId,
        a.applicationName,
      ]),
    ),
  );
  // Reference §4.1 "All API requests": the 10,000 most recent App+User requests.
  download(app, DOWNLOADS.requests, 'securityRequirements.download.allApiRequests', async (tenantId) =>
    csvDocument(
      [
        'RequestId',
        'CorrelationId',
        'OperationName',
        'RequestDateTime',
        'IpAddress',
        'ObjectId',
        'TenantId',
        'Upn',
        'ApplicationId',
        'MfaCompliant',
      ],
      (await recentPartnerRequests(ctx.db, tenantId)).map((r) => [
        r.requestId,
        r.correlationId,
        r.operationName,
        r.requestDateTime,
        r.ipAddress ?? '',
        r.objectId,
        r.tenantId,
        r.upn,
        r.applicationId,
        String(r.mfaCompliant),
      ]),
    ),
  );
}

function download(
  app: FastifyInstance,
  path: string,
  operation: string,
  body: (tenantId: string) => Promise<string>,
): void {
  app.get(path, { config: { dashboardPage: { operation, area: AREA } } }, async (req, reply) => {
    const csv = await body(viewerOf(req).tenant.id);
    setSecurityHeaders(reply.raw, [], 'same-origin');
    return reply
      .code(200)
      .header('Content-Disposition', `attachment; filename="${path.split('/').at(-1)}"`)
      .type('text/csv; charset=utf-8; header=present')
      .send(csv);
  });
}

async function render(
  ctx: WardenContext,
  viewer: PageViewer,
  underException: boolean,
  form?: ContactForm,
): Promise<string> {
  const tenantId = viewer.tenant.id;
  const now = ctx.clock.now();
  const [report, figures, scores, portal, api, contact, requiresTap] = await Promise.all([
    computeSecurityScore(ctx.db, viewer.tenant, now, ctx.config.baseUrl),
    partnerStatus(ctx.db, tenantId, now, 30),
    scoreHistory(ctx.db, tenantId, HISTORY_DAYS),
    nonMfaPrincipals(ctx.db, tenantId, now, 'dashboard'),
    nonMfaPrincipals(ctx.db, tenantId, now, 'api-app-user'),
    getSecurityContact(ctx.db, tenantId),
    firstRegistrationRequiresTap(ctx.db, tenantId),
  ]);
  return renderRequirements(viewer, {
    report,
    figures,
    scores,
    portal,
    api,
    contact,
    firstRegistrationRequiresTap: requiresTap,
    now,
    underException,
    ...(form ? { form } : {}),
  });
}
