import { SIGN_IN_ERRORS } from '../errors/sign-in-errors.ts';
import { timeOrderedId } from '../sign-in-logs/service-principal-sign-ins.ts';
import type { Db } from '../storage/database.ts';
import { PARTNER_API } from '../tokens/audiences.ts';

/**
 * Demo service-principal sign-ins (issue 12 item 5): Contoso's automation app got a Partner API
 * token an hour ago, and a minute later was refused once for a wrong secret (AADSTS7000215), so
 * `auditLogs/signIns?$filter=signInEventTypes/any(t: t eq 'servicePrincipal')` shows both outcomes
 * before anything has run. Written directly, in the demo's transaction, not through the batching writer.
 */
export async function seedServicePrincipalSignIns(
  db: Db,
  input: { tenantId: string; appId: string; servicePrincipalId: string; appName: string },
  now: number,
): Promise<void> {
  const row = (createdAt: number, errorCode: 0 | 7000215) => ({
    tenant_id: input.tenantId,
    id: timeOrderedId(createdAt),
    created_at: createdAt,
    app_id: input.appId,
    app_display_name: input.appName,
    service_principal_id: input.servicePrincipalId,
    ip_address: '192.0.2.44',
    resource_id: PARTNER_API,
    resource_display_name: 'Warden Partner API',
    client_credential_type: 'clientSecret',
    error_code: errorCode,
    failure_reason: errorCode === 0 ? null : SIGN_IN_ERRORS[errorCode].userMessage,
    correlation_id: crypto.randomUUID(),
  });
  await db
    .insertInto('service_principal_sign_ins')
    .values([row(now - 3_600_000, 0), row(now - 3_540_000, 7000215)])
    .execute();
}
