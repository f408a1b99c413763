import { randomUUID } from 'node:crypto';
import { type AuditActor, recordAuditEvent } from '../audit/audit-events.ts';
import { type Db, inTransaction } from '../storage/database.ts';
import type { UserConsentTable } from '../storage/schema.ts';

/**
 * Users' consents to third-party applications (SPEC §10: "the consent itself always requires
 * MFA"; reference §3). Each records who consented (the account and the person behind it), to
 * which application, which scopes, when, and the proof of the session it was given in — so an
 * administrator can see that every consent was given with MFA. Graph lists them as
 * `oauth2PermissionGrants` (src/graph-api/routes/oauth2-permission-grants.ts).
 */

/** The resource the authority's own OpenID Connect scopes (openid, profile, …) are filed under. */
export const OIDC_SCOPES_RESOURCE = 'openid';

export interface ConsentProof {
  amr: readonly string[];
  acr: string | null;
  /** Seconds (OIDC Core §2 `auth_time`). */
  authTime: number | null;
}

export interface NewUserConsent {
  /** The tenant of the authority the consent was given at. */
  tenantId: string;
  accountId: string;
  homeTenantId: string;
  userId: string;
  /** For the audit log. */
  userPrincipalName: string;
  clientId: string;
  clientName: string;
  /** Scopes consented, by resource (OIDC scopes under OIDC_SCOPES_RESOURCE). */
  scopes: Readonly<Record<string, readonly string[]>>;
  proof: ConsentProof;
}

export interface UserConsent {
  tenantId: string;
  id: string;
  accountId: string;
  homeTenantId: string;
  userId: string;
  clientId: string;
  resource: string;
  scopes: string[];
  consentedAt: number;
  proof: ConsentProof;
}

function toConsent(row: UserConsentTable): UserConsent {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    accountId: row.account_id,
    homeTenantId: row.home_tenant_id,
    userId: row.user_id,
    clientId: row.client_id,
    resource: row.resource,
    scopes: row.scope.split(' ').filter((s) => s !== ''),
    consentedAt: Number(row.consented_at),
    proof: {
      amr: JSON.parse(row.amr) as string[],
      acr: row.acr,
      authTime: row.auth_time === null ? null : Number(row.auth_time),
    },
  };
}

/**
 * Records a consent, in one transaction with its audit event: per resource, the row of (account,
 * application, resource) is created or widened to the union of its scopes, and takes this
 * consent's time and proof. On PostgreSQL the row is locked before the union is computed, so two
 * concurrent consents of the same user to the same application both keep their scopes (SQLite has
 * one writer at a time).
 */
export async function recordUserConsent(
  db: Db,
  dbKind: 'sqlite' | 'postgres',
  consent: NewUserConsent,
  now: number,
): Promise<void> {
  const resources = Object.entries(consent.scopes).filter(([, scopes]) => scopes.length > 0);
  if (resources.length === 0) return;
  await inTransaction(db, async (trx) => {
    for (const [resource, scopes] of resources) {
      await trx
        .insertInto('user_consents')
        .values({
          tenant_id: consent.tenantId,
          id: randomUUID(),
          account_id: consent.accountId,
          home_tenant_id: consent.homeTenantId,
          user_id: consent.userId,
          client_id: consent.clientId,
          resource,
          scope: '',
          consented_at: now,
          amr: '[]',
          acr: null,
          auth_time: null,
        })
        .onConflict((oc) => oc.columns(['tenant_id', 'account_id', 'client_id', 'resource']).doNothing())
        .execute();
      const locked = trx
        .selectFrom('user_consents')
        .select(['id', 'scope'])
        .where('tenant_id', '=', consent.tenantId)
        .where('account_id', '=', consent.accountId)
        .where('client_id', '=', consent.clientId)
        .where('resource', '=', resource);
      const row = await (dbKind === 'postgres' ? locked.forUpdate() : locked).executeTakeFirstOrThrow();
      const union = [...new Set([...row.scope.split(' ').filter((s) => s !== ''), ...scopes])];
      await trx
        .updateTable('user_consents')
        .set({
          scope: union.join(' '),
          consented_at: now,
          amr: JSON.stringify(consent.proof.amr),
          acr: consent.proof.acr,
          auth_time: consent.proof.authTime,
        })
        .where('tenant_id', '=', consent.tenantId)
        .where('id', '=', row.id)
        .execute();
    }
    const actor: AuditActor = {
      tenantId: consent.homeTenantId,
      userId: consent.userId,
      appId: null,
      name: consent.userPrincipalName,
    };
    // Entra's audit activity for a user's own consent; the partner's log gets it too when a partner
    // user consented at a customer's authority (SPEC E3).
    await recordAuditEvent(
      trx,
      [consent.tenantId, consent.homeTenantId],
      {
        category: 'ApplicationManagement',
        activity: 'Consent to application',
        actor,
        target: { type: 'Application', id: consent.clientId, name: consent.clientName },
        details: {
          consentType: 'Principal',
          scopes: Object.fromEntries(resources),
          amr: consent.proof.amr,
          acr: consent.proof.acr,
          authTime: consent.proof.authTime,
        },
      },
      now,
    );
  });
}

/** A tenant's consent records, ordered by id (Graph pages by it), after `afterId` when given. */
export async function listUserConsents(
  db: Db,
  tenantId: string,
  options: { afterId?: string; limit: number; clientId?: string; userId?: string },
): Promise<UserConsent[]> {
  let query = db.selectFrom('user_consents').selectAll().where('tenant_id', '=', tenantId);
  if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
  if (options.clientId !== undefined) query = query.where('client_id', '=', options.clientId);
  if (options.userId !== undefined) query = query.where('user_id', '=', options.userId);
  const rows = await query.orderBy('id').limit(options.limit).execute();
  return rows.map(toConsent);
}

/**
 * The scopes an account consented to for one client and resource at a tenant's authority (empty
 * when none): what a refresh token of a third-party application may be redeemed for there
 * (src/tokens/consented-resources.ts).
 */
export async function consentedScopes(
  db: Db,
  tenantId: string,
  consent: { accountId: string; clientId: string; resource: string },
): Promise<string[]> {
  const row = await db
    .selectFrom('user_consents')
    .select('scope')
    .where('tenant_id', '=', tenantId)
    .where('account_id', '=', consent.accountId)
    .where('client_id', '=', consent.clientId)
    .where('resource', '=', consent.resource)
    .executeTakeFirst();
  return row ? row.scope.split(' ').filter((s) => s !== '') : [];
}
