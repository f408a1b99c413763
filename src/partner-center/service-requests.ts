import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/database.ts';
import type { ServiceRequestTable } from '../storage/schema.ts';

export const SEVERITIES = ['minimal', 'moderate', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A customer service request the partner handles (issue 3 item 1; Support > Customer requests). */
export interface ServiceRequest {
  id: string;
  customerId: string | null;
  title: string;
  description: string;
  severity: Severity;
  status: ServiceRequestTable['status'];
  supportTopic: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

function toRequest(r: ServiceRequestTable): ServiceRequest {
  return {
    id: r.id,
    customerId: r.customer_id,
    title: r.title,
    description: r.description,
    severity: r.severity,
    status: r.status,
    supportTopic: r.support_topic,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export async function listServiceRequests(
  db: Db,
  partnerTenantId: string,
  options: { customerId?: string } = {},
): Promise<ServiceRequest[]> {
  let query = db.selectFrom('service_requests').selectAll().where('tenant_id', '=', partnerTenantId);
  if (options.customerId) query = query.where('customer_id', '=', options.customerId);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(toRequest);
}

export interface NewServiceRequest {
  customerId: string | null;
  title: string;
  description: string;
  severity: Severity;
  supportTopic: string;
}

export async function createServiceRequest(
  db: Db,
  partnerTenantId: string,
  input: NewServiceRequest,
  createdBy: string,
  now: number,
): Promise<ServiceRequest> {
  const row: ServiceRequestTable = {
    tenant_id: partnerTenantId,
    id: randomUUID(),
    customer_id: input.customerId,
    title: input.title,
    description: input.description,
    severity: input.severity,
    status: 'open',
    support_topic: input.supportTopic,
    created_by: createdBy,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('service_requests').values(row).execute();
  return toRequest(row);
}
