import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { sendPage } from '../../dashboard/respond.ts';
import { table } from '../../dashboard/views/layout.ts';
import { partnerActivityIn } from '../../delegated-admin/partner-activity.ts';
import { html } from '../../http/html.ts';
import { adminViewerOf } from '../gate.ts';
import { when } from '../relationship-view.ts';
import { adminPage } from '../views/layout.ts';

/**
 * Partner activity (SPEC E3, §13): who from the customer's partners came into its tenant, doing
 * what, with which roles through which relationship, and with what proof — every sign-in of a
 * partner user at the customer's authority and every delegated Partner API operation.
 */
export function partnerActivityPages(app: FastifyInstance, ctx: WardenContext): void {
  app.get(
    '/admin/partners/activity',
    { config: { adminPage: { operation: 'partnerActivity.list' } } },
    async (req, reply) => {
      const viewer = adminViewerOf(req);
      const rows = await partnerActivityIn(ctx.db, viewer.tenant.id, { limit: 500 });
      return sendPage(
        reply,
        200,
        adminPage(
          'Partner activity',
          html`<p>Every sign-in of a partner's user into your organisation and every operation a partner performed in it, newest first.</p>
${table(
  ['When', 'Partner', 'User', 'What', 'Result', 'Roles used', 'Relationship', 'Proof'],
  rows.map(
    (a) =>
      html`<tr data-kind="${a.kind}" data-partner="${a.partnerTenantId}"><td>${when(a.at)}</td><td>${a.partnerName}</td><td>${a.userPrincipalName ?? '—'}</td><td>${a.kind === 'sign-in' ? html`Sign-in (${a.what})` : a.what}</td><td>${a.succeeded ? 'Succeeded' : 'Refused'}</td><td data-testid="roles">${a.roles.join(', ') || '—'}${a.via === 'dap' ? ' (DAP)' : ''}</td><td>${a.relationships.join(', ') || '—'}</td><td data-testid="proof">${a.mfa ? 'MFA' : 'No MFA'}${a.methods.length > 0 ? html` · ${a.methods.join(', ')}` : ''}</td></tr>`,
  ),
  'No partner has signed in or acted in your organisation yet.',
)}`,
          viewer,
          '/admin/partners/activity',
        ),
      );
    },
  );
}
