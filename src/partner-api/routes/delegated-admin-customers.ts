import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { type DapCustomer, dapReport } from '../../delegated-admin/dap.ts';
import { APP_USER_ONLY } from '../declarations.ts';
import { collection, iso } from '../responses.ts';
import { partnerOf } from './caller.ts';

/**
 * One row of the DAP report in the shape of Microsoft's DAP monitoring API
 * (`GET …/CustomerServiceAdminApi/Web/v1/delegatedAdminCustomers`, reference §1.11), plus Warden's
 * own `daysEnabled`, `daysInactive` and `activity` (the dashboard's 60/90-day flags).
 */
function delegatedAdminCustomerShape(c: DapCustomer) {
  return {
    id: c.customerId,
    customerTenantId: c.customerTenantId,
    organizationDisplayName: c.companyName,
    dapEnabled: true,
    startDateTime: iso(c.dapSince),
    endDateTime: null,
    lastSignInDateTime: c.lastUsedAt === null ? null : iso(c.lastUsedAt),
    daysEnabled: c.daysEnabled,
    daysInactive: c.daysInactive,
    activity: c.activity,
    attributes: { objectType: 'DelegatedAdminCustomer' },
  };
}

/**
 * The DAP report (SPEC §13): every customer that still grants the partner DAP. Microsoft served it
 * from a separate monitoring host, App+User only, to the Admin agent role; Warden serves it under
 * its Partner API as `/v1/delegatedAdminCustomers`, with the same callers.
 */
export function delegatedAdminCustomerRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get(
    '/delegatedAdminCustomers',
    {
      config: {
        partnerApi: {
          operation: 'delegatedadmincustomers.list',
          category: 'delegated-admin',
          modes: APP_USER_ONLY,
          access: 'read',
        },
      },
      // It takes no query parameters; others are ignored, as Partner Center ignores them.
    },
    async (req) => {
      const rows = await dapReport(ctx.db, partnerOf(req).id, ctx.clock.now());
      return collection(rows.map(delegatedAdminCustomerShape), req.url);
    },
  );
}
