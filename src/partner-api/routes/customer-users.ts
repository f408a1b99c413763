import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { listUsers, type User } from '../../directory/users.ts';
import { APP_USER_ONLY } from '../declarations.ts';
import { collection } from '../responses.ts';
import { delegatedCustomerOf } from './caller.ts';

function userShape(u: User, domain: string) {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    firstName: u.givenName,
    lastName: u.surname,
    userDomainType: u.userPrincipalName.endsWith(`@${domain}`) ? 'emailDomain' : 'external',
    state: u.accountEnabled ? 'active' : 'inactive',
    attributes: { objectType: 'CustomerUser' },
  };
}

/**
 * Users of a customer tenant: work inside the customer's directory, so App+User only (SPEC E2:
 * app-only tokens cannot do what needs a delegated role in a customer tenant), and only where the
 * customer granted the partner delegated administration (checked by the gate for the category).
 */
export function customerUserRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Params: { id: string } }>(
    '/customers/:id/users',
    {
      config: {
        partnerApi: {
          operation: 'customerusers.list',
          category: 'user-management',
          modes: APP_USER_ONLY,
          access: 'read',
        },
      },
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] },
      },
    },
    async (req) => {
      const customer = delegatedCustomerOf(req);
      const users = await listUsers(ctx.db, customer.customerTenantId);
      return collection(
        users.map((u) => userShape(u, customer.domain)),
        req.url,
      );
    },
  );
}
