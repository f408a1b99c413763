/**
 * Many customer tenants at once, for bench/authorities.ts (issue 16 item 3). An authority needs
 * only its tenant's row (signing keys are the instance's), so the rows createTenant would write
 * for a customer tenant are inserted directly, 500 per INSERT in one transaction. A few of them
 * get a confidential client-credentials application (createApplication, as the demo's automation
 * client), so the load can ask the token endpoint too.
 */
import { randomUUID } from 'node:crypto';
import type { WardenContext } from '../src/context.ts';
import { createApplication } from '../src/directory/applications.ts';
import type { TenantTable } from '../src/storage/schema.ts';

export interface BenchTenants {
  ids: string[];
  /** Clients of the first `clients` tenants of `ids`: app-only tokens for Graph. */
  clients: { tenantId: string; clientId: string; clientSecret: string }[];
  createMs: number;
}

const ROWS_PER_INSERT = 500;

export async function createBenchTenants(
  ctx: WardenContext,
  count: number,
  clients: number,
): Promise<BenchTenants> {
  const started = performance.now();
  const now = ctx.clock.now();
  const ids = Array.from({ length: count }, () => randomUUID());
  await ctx.db.transaction().execute(async (trx) => {
    for (let at = 0; at < count; at += ROWS_PER_INSERT) {
      const rows: TenantTable[] = ids.slice(at, at + ROWS_PER_INSERT).map((id, i) => ({
        id,
        kind: 'customer',
        program_type: null,
        display_name: `Bench customer ${at + i}`,
        domain: `bench-customer-${at + i}.example`,
        partner_tenant_id: null,
        security_defaults: 0,
        security_defaults_enabled_at: null,
        require_mfa_all_users: 0,
        created_at: now,
      }));
      await trx.insertInto('tenants').values(rows).execute();
    }
  });
  const made: BenchTenants['clients'] = [];
  for (const tenantId of ids.slice(0, clients)) {
    const { application, clientSecret } = await createApplication(
      ctx.db,
      ctx.secrets,
      tenantId,
      {
        displayName: 'Bench automation',
        clientType: 'confidential',
        grantedAppRoles: ['User.Read.All'],
        allowedScopes: ['urn:warden:graph/.default'],
      },
      now,
    );
    if (!clientSecret) throw new Error('a confidential application came without a secret');
    made.push({ tenantId, clientId: application.id, clientSecret });
  }
  return { ids, clients: made, createMs: performance.now() - started };
}
