import { randomBytes } from 'node:crypto';
import type { SignInRiskSnapshot } from '../identity-protection/risk-state.ts';
import type { ProvenFactor } from '../policy/mfa-proof.ts';
import type { SignInRequirement } from '../policy/sign-in-requirement.ts';
import type { AuthenticationStep } from '../sign-in-logs/sign-in-log.ts';
import type { Db } from '../storage/database.ts';

/**
 * The interactive sign-in flow (STYLE 6): one per oidc-provider interaction, stored (so any
 * instance can continue it) with the interaction's expiry. Its states, the actions each allows and
 * where each leads are THE table in transitions.ts; this file holds the flow's data and storage.
 */
export const FLOW_STATES = [
  'credentials',
  'change_password',
  'second_factor',
  'register_offer',
  'register_method',
  'recovery_codes',
  'blocked',
] as const;

export type FlowState = (typeof FLOW_STATES)[number];

export type AllowedRequirement = Extract<SignInRequirement, { outcome: 'allow' }>;

export interface FlowData {
  csrf: string;
  userId?: string;
  userPrincipalName?: string;
  /**
   * SPEC E3: the partner tenant of the user when a partner's user signs in at this customer's
   * authority (home realm by the UPN's domain); absent for the tenant's own users.
   */
  homeTenantId?: string;
  /** Factors proven so far in this flow (policy/mfa-proof.ts). */
  proven: ProvenFactor[];
  steps: AuthenticationStep[];
  requirement?: AllowedRequirement;
  /** Issue 15 item 6: the user's risk when the requirement was decided; the log rows carry it. */
  risk?: SignInRiskSnapshot;
  /**
   * SPEC §9: fingerprint (passwordHashFingerprint) of the temporary password proven at the password
   * step; the change-password step succeeds only while it is still the user's current password.
   */
  temporaryPasswordFingerprint?: string;
  /**
   * Issue 15 item 4: `auth_time` (epoch seconds) of the session whose password this flow builds on
   * (steps/session-second-factor.ts); the sign-in's result keeps it. Absent: the sign-in is now.
   */
  authTime?: number;
  /** TOTP secret being enrolled, sealed (never stored in clear). */
  pendingTotpSealed?: string;
  error?: string;
}

export interface Flow {
  tenantId: string;
  id: string;
  state: FlowState;
  data: FlowData;
  expiresAt: number;
}

export const FLOW_TTL_MS = 30 * 60 * 1000;

export class FlowStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async load(tenantId: string, id: string, now: number): Promise<Flow | undefined> {
    const row = await this.#db
      .selectFrom('sign_in_flows')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      tenantId,
      id,
      state: row.state as FlowState,
      data: JSON.parse(row.data) as FlowData,
      expiresAt: row.expires_at,
    };
  }

  async start(tenantId: string, id: string, now: number): Promise<Flow> {
    const flow: Flow = {
      tenantId,
      id,
      state: 'credentials',
      data: { csrf: randomBytes(24).toString('base64url'), proven: [], steps: [] },
      expiresAt: now + FLOW_TTL_MS,
    };
    await this.#db
      .insertInto('sign_in_flows')
      .values({
        tenant_id: tenantId,
        id,
        state: flow.state,
        data: JSON.stringify(flow.data),
        expires_at: flow.expiresAt,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
      .execute();
    return (await this.load(tenantId, id, now)) ?? flow;
  }

  async save(flow: Flow): Promise<void> {
    await this.#db
      .updateTable('sign_in_flows')
      .set({ state: flow.state, data: JSON.stringify(flow.data) })
      .where('tenant_id', '=', flow.tenantId)
      .where('id', '=', flow.id)
      .execute();
  }

  async end(flow: Flow): Promise<void> {
    await this.#db
      .deleteFrom('sign_in_flows')
      .where('tenant_id', '=', flow.tenantId)
      .where('id', '=', flow.id)
      .execute();
  }
}
