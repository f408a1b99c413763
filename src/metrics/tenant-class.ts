import type { IncomingMessage } from 'node:http';

/**
 * Issue 16 item 2: requests are counted by the *class* of the tenant they served (partner,
 * customer, the operator, or none known), never by tenant id — 100,000 customer tenants would be
 * 100,000 series, and a tenant id in a label would tell anyone who scrapes which tenants are busy.
 * The class rides on the request (the gates and the authority know the tenant) until the
 * response is counted.
 */
export const TENANT_CLASSES = ['none', 'partner', 'customer', 'operator'] as const;
export type TenantClass = (typeof TENANT_CLASSES)[number];

const CLASS = Symbol('warden.metrics.tenantClass');

type Tagged = IncomingMessage & { [CLASS]?: number };

/** Marks the request as served for a tenant of this kind (the directory's `tenants.kind`). */
export function tagTenantClass(req: IncomingMessage, kind: string): void {
  const index = (TENANT_CLASSES as readonly string[]).indexOf(kind);
  (req as Tagged)[CLASS] = index === -1 ? 0 : index;
}

/** The index into TENANT_CLASSES of the request's tenant class (0, none, when untagged). */
export function tenantClassIndexOf(req: IncomingMessage): number {
  return (req as Tagged)[CLASS] ?? 0;
}
