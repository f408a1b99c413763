import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../context.ts';
import { AccessTokenVerifier } from '../tokens/access-tokens.ts';
import { PARTNER_API } from '../tokens/audiences.ts';
import { installGate } from './gate.ts';
import { customerUserRoutes } from './routes/customer-users.ts';
import { customerRoutes } from './routes/customers.ts';
import { invoiceRoutes } from './routes/invoices.ts';
import { offerRoutes } from './routes/offers.ts';
import { orderRoutes } from './routes/orders.ts';
import { serviceRequestRoutes } from './routes/service-requests.ts';
import { subscriptionRoutes } from './routes/subscriptions.ts';

/** Every route of the Partner API, each behind the gate (`gate.ts`). */
export const PARTNER_API_ROUTES = [
  customerRoutes,
  subscriptionRoutes,
  orderRoutes,
  customerUserRoutes,
  offerRoutes,
  invoiceRoutes,
  serviceRequestRoutes,
];

/** The Partner API under `/v1` (issue 3 item 2), shaped like Partner Center's REST API. */
export async function registerPartnerApi(app: FastifyInstance, ctx: WardenContext): Promise<void> {
  const verifier = new AccessTokenVerifier({
    db: ctx.db,
    keys: ctx.publicKeys,
    baseUrl: ctx.config.baseUrl,
    audience: PARTNER_API,
    clock: ctx.clock,
  });
  await app.register(
    async (api) => {
      installGate(api, ctx, verifier);
      for (const routes of PARTNER_API_ROUTES) routes(api, ctx);
    },
    { prefix: '/v1' },
  );
}
