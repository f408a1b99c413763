import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import {
  type Customer,
  createCustomer,
  DomainTakenError,
  getCustomer,
  listCustomers,
} from '../../partner-center/customers.ts';
import {
  listSubscriptions,
  type Order,
  OrderLineError,
  placeOrder,
  type Subscription,
} from '../../partner-center/orders.ts';
import { BOTH } from '../declarations.ts';
import { collection, iso } from '../responses.ts';
import { callerName, partnerOf } from './caller.ts';

export function customerShape(c: Customer) {
  return {
    id: c.id,
    companyProfile: { tenantId: c.customerTenantId, domain: c.domain, companyName: c.companyName },
    billingProfile: {
      email: c.profile.email,
      culture: c.profile.culture,
      language: c.profile.language,
      companyName: c.companyName,
      defaultAddress: {
        country: c.country,
        city: c.profile.city,
        postalCode: c.profile.postalCode,
        addressLine1: c.profile.addressLine1,
        phoneNumber: c.profile.phone,
      },
    },
    relationshipToPartner: c.relationship,
    allowDelegatedAccess: c.delegatedAdmin !== 'none',
    attributes: { objectType: 'Customer' },
  };
}

function subscriptionShape(s: Subscription) {
  return {
    id: s.id,
    offerId: s.offerId,
    friendlyName: s.friendlyName,
    quantity: s.quantity,
    unitType: 'Licenses',
    creationDate: iso(s.createdAt),
    effectiveStartDate: iso(s.createdAt),
    commitmentEndDate: iso(s.commitmentEndAt),
    status: s.status,
    billingCycle: s.billingCycle,
    orderId: s.orderId,
    attributes: { objectType: 'Subscription' },
  };
}

function orderShape(o: Order) {
  return {
    id: o.id,
    referenceCustomerId: o.customerId,
    lineItems: o.lineItems.map((l) => ({
      lineItemNumber: l.lineItemNumber,
      offerId: l.offerId,
      subscriptionId: l.subscriptionId,
      quantity: l.quantity,
      friendlyName: l.friendlyName,
    })),
    creationDate: iso(o.createdAt),
    status: o.status,
    currencyCode: o.currency,
    attributes: { objectType: 'Order' },
  };
}

const idParam = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
} as const;

const newCustomerBody = {
  type: 'object',
  additionalProperties: false,
  required: ['companyProfile', 'billingProfile'],
  properties: {
    companyProfile: {
      type: 'object',
      additionalProperties: false,
      required: ['domain'],
      properties: {
        domain: {
          type: 'string',
          pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$',
          maxLength: 253,
        },
      },
    },
    billingProfile: {
      type: 'object',
      additionalProperties: false,
      required: ['email', 'companyName', 'defaultAddress'],
      properties: {
        email: { type: 'string', format: 'email', maxLength: 320 },
        culture: { type: 'string', maxLength: 16 },
        language: { type: 'string', maxLength: 8 },
        companyName: { type: 'string', minLength: 1, maxLength: 256 },
        defaultAddress: {
          type: 'object',
          additionalProperties: false,
          required: ['country', 'city', 'addressLine1'],
          properties: {
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            city: { type: 'string', minLength: 1, maxLength: 128 },
            postalCode: { type: 'string', maxLength: 16 },
            addressLine1: { type: 'string', minLength: 1, maxLength: 256 },
            phoneNumber: { type: 'string', maxLength: 32 },
          },
        },
      },
    },
  },
} as const;

interface NewCustomerBody {
  companyProfile: { domain: string };
  billingProfile: {
    email: string;
    culture?: string;
    language?: string;
    companyName: string;
    defaultAddress: {
      country: string;
      city: string;
      postalCode?: string;
      addressLine1: string;
      phoneNumber?: string;
    };
  };
}

const orderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['lineItems'],
  properties: {
    referenceCustomerId: { type: 'string' },
    lineItems: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['lineItemNumber', 'offerId', 'quantity'],
        properties: {
          lineItemNumber: { type: 'integer', minimum: 0 },
          offerId: { type: 'string', minLength: 1, maxLength: 64 },
          quantity: { type: 'integer', minimum: 1 },
          friendlyName: { type: 'string', minLength: 1, maxLength: 256 },
        },
      },
    },
  },
} as const;

interface OrderBody {
  referenceCustomerId?: string;
  lineItems: { lineItemNumber: number; offerId: string; quantity: number; friendlyName?: string }[];
}

/** Customers, their subscriptions and orders (SPEC E2: customer management; transactions). */
export function customerRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Querystring: { search?: string } }>(
    '/customers',
    {
      config: {
        partnerApi: {
          operation: 'customers.list',
          category: 'customer-management',
          modes: BOTH,
          access: 'read',
        },
      },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { search: { type: 'string', maxLength: 256 }, size: { type: 'integer' } },
        },
      },
    },
    async (req) => {
      const customers = await listCustomers(ctx.db, partnerOf(req).id, { search: req.query.search });
      return collection(customers.map(customerShape), req.url);
    },
  );

  api.post<{ Body: NewCustomerBody }>(
    '/customers',
    {
      config: {
        partnerApi: {
          operation: 'customers.create',
          category: 'customer-management',
          modes: BOTH,
          access: 'write',
        },
      },
      schema: { body: newCustomerBody },
    },
    async (req, reply) => {
      const b = req.body.billingProfile;
      try {
        const customer = await createCustomer(
          ctx.db,
          partnerOf(req).id,
          {
            companyName: b.companyName,
            domain: req.body.companyProfile.domain,
            country: b.defaultAddress.country,
            profile: {
              email: b.email,
              phone: b.defaultAddress.phoneNumber ?? '',
              addressLine1: b.defaultAddress.addressLine1,
              city: b.defaultAddress.city,
              postalCode: b.defaultAddress.postalCode ?? '',
              culture: b.culture ?? 'en-US',
              language: b.language ?? 'en',
            },
          },
          ctx.clock.now(),
        );
        return reply.code(201).send(customerShape(customer));
      } catch (error) {
        if (error instanceof DomainTakenError) {
          throw new PartnerApiError('conflict', `The domain ${error.domain} is already taken.`, [
            error.domain,
          ]);
        }
        throw error;
      }
    },
  );

  api.get<{ Params: { id: string } }>(
    '/customers/:id',
    {
      config: {
        partnerApi: {
          operation: 'customers.get',
          category: 'customer-management',
          modes: BOTH,
          access: 'read',
        },
      },
      schema: { params: idParam },
    },
    async (req) => customerShape(await customerOf(ctx, req)),
  );

  api.get<{ Params: { id: string } }>(
    '/customers/:id/subscriptions',
    {
      config: {
        partnerApi: {
          operation: 'subscriptions.list',
          category: 'customer-management',
          modes: BOTH,
          access: 'read',
        },
      },
      schema: { params: idParam },
    },
    async (req) => {
      const customer = await customerOf(ctx, req);
      const subscriptions = await listSubscriptions(ctx.db, customer.partnerTenantId, customer.id);
      return collection(subscriptions.map(subscriptionShape), req.url);
    },
  );

  api.post<{ Params: { id: string }; Body: OrderBody }>(
    '/customers/:id/orders',
    {
      config: {
        partnerApi: { operation: 'orders.create', category: 'transactions', modes: BOTH, access: 'write' },
      },
      schema: { params: idParam, body: orderBody },
    },
    async (req, reply) => {
      const customer = await customerOf(ctx, req);
      if (req.body.referenceCustomerId && req.body.referenceCustomerId !== customer.id) {
        throw new PartnerApiError(
          'invalid_request',
          'referenceCustomerId does not match the customer of the path.',
        );
      }
      const numbers = req.body.lineItems.map((l) => l.lineItemNumber);
      if (new Set(numbers).size !== numbers.length) {
        throw new PartnerApiError('invalid_request', 'Each line item needs its own lineItemNumber.');
      }
      try {
        const order = await placeOrder(
          ctx.db,
          customer,
          req.body.lineItems,
          callerName(req),
          ctx.clock.now(),
        );
        return reply.code(201).send(orderShape(order));
      } catch (error) {
        if (error instanceof OrderLineError) {
          throw new PartnerApiError(
            'invalid_request',
            `Line item ${error.lineItemNumber}: ${error.message}`,
            [{ lineItemNumber: error.lineItemNumber }],
          );
        }
        throw error;
      }
    },
  );
}

export async function customerOf(
  ctx: WardenContext,
  req: { params: { id: string } } & Parameters<typeof partnerOf>[0],
) {
  const customer = await getCustomer(ctx.db, partnerOf(req).id, req.params.id);
  if (!customer) throw new PartnerApiError('not_found', `No customer ${req.params.id} for this partner.`);
  return customer;
}
