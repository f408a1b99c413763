import type { FastifyInstance } from 'fastify';
import { registerGatedApi } from '../api-gate/register.ts';
import type { WardenContext } from '../context.ts';
import { PARTNER_API } from '../tokens/audiences.ts';
import { installGate } from './gate.ts';
import { applicationConsentRoutes } from './routes/application-consents.ts';
import { customerUserLicenseRoutes } from './routes/customer-user-licenses.ts';
import { customerUserRoutes } from './routes/customer-users.ts';
import { customerRoutes } from './routes/customers.ts';
import { delegatedAdminCustomerRoutes } from './routes/delegated-admin-customers.ts';
import { fraudEventRoutes } from './routes/fraud-events.ts';
import { invoiceRoutes } from './routes/invoices.ts';
import { offerRoutes } from './routes/offers.ts';
import { orderRoutes } from './routes/orders.ts';
import { programComplianceRoutes } from './routes/program-compliance.ts';
import { securityRequirementsRoutes } from './routes/security-requirements.ts';
import { serviceRequestRoutes } from './routes/service-requests.ts';
import { subscriptionRoutes } from './routes/subscriptions.ts';
import { webhookRoutes } from './routes/webhooks.ts';

/** Every route of the Partner API, each behind the gate (`gate.ts`). */
export const PARTNER_API_ROUTES = [
  customerRoutes,
  subscriptionRoutes,
  orderRoutes,
  customerUserRoutes,
  customerUserLicenseRoutes,
  offerRoutes,
  invoiceRoutes,
  serviceRequestRoutes,
  delegatedAdminCustomerRoutes,
  applicationConsentRoutes,
  fraudEventRoutes,
  webhookRoutes,
  // SPEC §11: the security requirements status downloads, and the operator's recalculation.
  securityRequirementsRoutes,
  programComplianceRoutes,
];

/** The Partner API under `/v1` (issue 3 item 2), shaped like Partner Center's REST API. */
export async function registerPartnerApi(app: FastifyInstance, ctx: WardenContext): Promise<void> {
  await registerGatedApi(app, ctx, {
    prefix: '/v1',
    audience: PARTNER_API,
    installGate,
    routes: PARTNER_API_ROUTES,
  });
}
