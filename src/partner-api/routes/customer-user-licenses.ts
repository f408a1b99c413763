import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { getUser } from '../../directory/users.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import {
  LicenseError,
  listSubscribedSkus,
  listUserLicenses,
  type SubscribedSku,
  type UserLicense,
  updateUserLicenses,
} from '../../partner-center/licenses.ts';
import { APP_USER_ONLY } from '../declarations.ts';
import { collection } from '../responses.ts';
import { callerName, delegatedCustomerOf } from './caller.ts';
import { CUSTOMER_ID_PARAM } from './customers-shape.ts';

const USER_PARAMS = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' }, userId: { type: 'string', format: 'uuid' } },
  required: ['id', 'userId'],
} as const;

const SKU_ID = { type: 'string', format: 'uuid' } as const;

/** Partner Center's `LicenseUpdate` request: SKUs to assign (`excludedPlans` is accepted, must be empty) and to remove. */
const LICENSE_UPDATE_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    licensesToAssign: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['skuId'],
        properties: {
          skuId: SKU_ID,
          // Warden's offers have no service plans to leave out.
          excludedPlans: { anyOf: [{ type: 'null' }, { type: 'array', maxItems: 0 }] },
        },
      },
    },
    licensesToRemove: { type: 'array', maxItems: 20, items: SKU_ID },
    attributes: { type: 'object' },
  },
} as const;

interface LicenseUpdateBody {
  licensesToAssign?: { skuId: string }[];
  licensesToRemove?: string[];
}

function productSku(skuId: string, offerId: string, name: string) {
  return { id: skuId, name, skuPartNumber: offerId, targetType: 'User', licenseGroupId: 'Group1' };
}

/** Partner Center's `License` resource. */
function licenseShape(l: UserLicense) {
  return {
    servicePlans: [],
    productSku: productSku(l.skuId, l.offerId, l.name),
    attributes: { objectType: 'License' },
  };
}

/** Partner Center's `SubscribedSku` resource. */
function subscribedSkuShape(s: SubscribedSku) {
  return {
    availableUnits: Math.max(0, s.totalUnits - s.consumedUnits),
    activeUnits: s.totalUnits,
    consumedUnits: s.consumedUnits,
    suspendedUnits: 0,
    totalUnits: s.totalUnits,
    warningUnits: 0,
    productSku: productSku(s.skuId, s.offerId, s.name),
    servicePlans: [],
    capabilityStatus: 'Enabled',
    attributes: { objectType: 'SubscribedSku' },
  };
}

/** The user of the route's `:userId`, in the customer's own tenant (another tenant's user is not found). */
async function customerUserOf(ctx: WardenContext, req: FastifyRequest<{ Params: { userId: string } }>) {
  const customer = delegatedCustomerOf(req);
  const user = await getUser(ctx.db, customer.customerTenantId, req.params.userId);
  if (!user)
    throw new PartnerApiError('not_found', `No user ${req.params.userId} in ${customer.companyName}.`);
  return { customer, user };
}

const declaration = (
  operation: string,
  access: 'read' | 'write',
  delegated: 'licenses.read' | 'licenses.assign' | 'skus.read',
) => ({
  partnerApi: { operation, category: 'user-management' as const, modes: APP_USER_ONLY, access, delegated },
});

/**
 * Licences of a customer's users (issue 11 item 7), shaped like Partner Center: a licence is a
 * seat of the customer's subscriptions (partner-center/licenses.ts); authorised by the caller's
 * roles in the customer now (License Administrator, User Administrator, Global Administrator…).
 */
export function customerUserLicenseRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Params: { id: string } }>(
    '/customers/:id/subscribedskus',
    {
      config: declaration('subscribedskus.list', 'read', 'skus.read'),
      schema: { params: CUSTOMER_ID_PARAM },
    },
    async (req) => {
      const customer = delegatedCustomerOf(req);
      const skus = await listSubscribedSkus(ctx.db, customer.customerTenantId);
      return collection(skus.map(subscribedSkuShape), req.url);
    },
  );

  api.get<{ Params: { id: string; userId: string } }>(
    '/customers/:id/users/:userId/licenses',
    {
      config: declaration('customeruserlicenses.list', 'read', 'licenses.read'),
      schema: { params: USER_PARAMS },
    },
    async (req) => {
      const { customer, user } = await customerUserOf(ctx, req);
      const licenses = await listUserLicenses(ctx.db, customer.customerTenantId, user.id);
      return collection(licenses.map(licenseShape), req.url);
    },
  );

  api.post<{ Params: { id: string; userId: string }; Body: LicenseUpdateBody }>(
    '/customers/:id/users/:userId/licenseupdates',
    {
      config: declaration('customeruserlicenses.update', 'write', 'licenses.assign'),
      schema: { params: USER_PARAMS, body: LICENSE_UPDATE_BODY },
    },
    async (req, reply) => {
      const { customer, user } = await customerUserOf(ctx, req);
      const assign = (req.body.licensesToAssign ?? []).map((l) => l.skuId);
      const remove = req.body.licensesToRemove ?? [];
      if (assign.length === 0 && remove.length === 0)
        throw new PartnerApiError('invalid_request', 'Name at least one licence to assign or to remove.');
      try {
        await updateUserLicenses(
          ctx.db,
          ctx.dbKind,
          customer.customerTenantId,
          user.id,
          { assign, remove },
          callerName(req),
          ctx.clock.now(),
        );
      } catch (error) {
        if (error instanceof LicenseError)
          throw new PartnerApiError(
            error.code === 'seats_exhausted' ? 'license_seats_exhausted' : 'sku_not_subscribed',
            error.message,
            error.data,
          );
        throw error;
      }
      return reply.code(201).send({
        licensesToAssign: assign.map((skuId) => ({ skuId: skuId.toLowerCase(), excludedPlans: null })),
        licensesToRemove: remove.map((skuId) => skuId.toLowerCase()),
        licenseWarnings: [],
        attributes: { objectType: 'LicenseUpdate' },
      });
    },
  );
}
