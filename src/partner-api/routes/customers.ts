import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { removeDap } from '../../delegated-admin/dap.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import { createCustomer, DomainTakenError, getCustomer } from '../../partner-center/customers.ts';
import { APP_USER_ONLY, BOTH } from '../declarations.ts';
import { auditActorOf, partnerOf } from './caller.ts';
import { customerListRoute } from './customer-list.ts';
import {
  CUSTOMER_ID_PARAM,
  customerDetailShape,
  NEW_CUSTOMER_BODY,
  type NewCustomerBody,
  UPDATE_CUSTOMER_BODY,
  type UpdateCustomerBody,
} from './customers-shape.ts';

/**
 * A partner's customers: list (customer-list.ts), create, get, and remove DAP (SPEC E2: customer management; SPEC
 * §13). Their subscriptions and orders are in `subscriptions.ts` and `orders.ts`.
 */
export function customerRoutes(api: FastifyInstance, ctx: WardenContext): void {
  customerListRoute(api, ctx);

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
      schema: { body: NEW_CUSTOMER_BODY },
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
        // SPEC §13, reference §1.10: a new customer never gets DAP (createCustomer links it with none).
        return reply.code(201).send(customerDetailShape(customer));
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
      schema: { params: CUSTOMER_ID_PARAM },
    },
    async (req) => customerDetailShape(await customerOf(ctx, req)),
  );

  // Reference §1.11 "Remove DAP": App+User only (a person decides), and DAP is the Admin agents'
  // (ACCESS.gdap). Setting the state it already has is answered 200 with the customer.
  api.patch<{ Params: { id: string }; Body: UpdateCustomerBody }>(
    '/customers/:id',
    {
      config: {
        partnerApi: {
          operation: 'customers.update',
          category: 'delegated-admin',
          modes: APP_USER_ONLY,
          access: 'write',
        },
      },
      schema: { params: CUSTOMER_ID_PARAM, body: UPDATE_CUSTOMER_BODY },
    },
    async (req) => {
      const { allowDelegatedAccess: camel, AllowDelegatedAccess: pascal } = req.body;
      if (camel !== undefined && pascal !== undefined && camel !== pascal)
        throw new PartnerApiError('invalid_request', 'allowDelegatedAccess is given twice, with two values.');
      const customer = await customerOf(ctx, req);
      if ((camel ?? pascal) === true)
        throw new PartnerApiError('delegated_access_not_offered', undefined, [customer.id]);
      await removeDap(ctx.db, partnerOf(req).id, [customer.id], auditActorOf(req), ctx.clock.now());
      return customerDetailShape(await customerOf(ctx, req));
    },
  );
}

/** The customer of the path, among the caller's partner's customers; 404 otherwise. */
export async function customerOf(
  ctx: WardenContext,
  req: { params: { id: string } } & Parameters<typeof partnerOf>[0],
) {
  const customer = await getCustomer(ctx.db, partnerOf(req).id, req.params.id);
  if (!customer) throw new PartnerApiError('not_found', `No customer ${req.params.id} for this partner.`);
  return customer;
}
