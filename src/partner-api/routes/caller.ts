import type { FastifyRequest } from 'fastify';
import type { AuditActor } from '../../audit/audit-events.ts';
import type { Tenant } from '../../directory/tenants.ts';
import type { Customer } from '../../partner-center/customers.ts';
import type { Caller } from '../../tokens/access-tokens.ts';

/** The caller the gate admitted (handlers run only after it). */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.partnerCaller) throw new Error('Partner API handler ran without the gate');
  return req.partnerCaller;
}

/** Every Partner API query is scoped to the caller's partner tenant. */
export function partnerOf(req: FastifyRequest): Tenant {
  return callerOf(req).tenant;
}

/** Who did it, for records that keep an author: the user's UPN, or the application. */
export function callerName(req: FastifyRequest): string {
  const caller = callerOf(req);
  return caller.mode === 'app+user' ? caller.userPrincipalName : `app:${caller.appId}`;
}

/** The caller as an audit log names who did it. */
export function auditActorOf(req: FastifyRequest): AuditActor {
  const caller = callerOf(req);
  return caller.mode === 'app+user'
    ? {
        tenantId: caller.tenant.id,
        userId: caller.userId,
        appId: caller.appId,
        name: caller.userPrincipalName,
      }
    : { tenantId: caller.tenant.id, userId: null, appId: caller.appId, name: `app:${caller.appId}` };
}

/** The customer of a delegated route, found and checked by the gate. */
export function delegatedCustomerOf(req: FastifyRequest): Customer {
  if (!req.delegatedCustomer) throw new Error('delegated route ran without the gate');
  return req.delegatedCustomer;
}
