import { randomBytes } from 'node:crypto';
import type { SignInRequirement } from '../policy/sign-in-requirement.ts';
import type { AuthenticationStep } from '../sign-in-logs/sign-in-log.ts';
import type { Db } from '../storage/database.ts';

/**
 * The interactive sign-in as an explicit state machine (STYLE 6). One flow per oidc-provider
 * interaction, stored (so any instance can continue it) with the interaction's expiry.
 *
 *   credentials ──password ok──▶ (after password) ──▶ second_factor ──code ok──▶ (done)
 *        │     │                                   register_offer ──skip──▶ (done)  (security defaults, ≤ 14 days)
 *        │     │                                         └──begin──▶ register_totp
 *        │     │                                   register_totp ──code ok──▶ recovery_codes ──continue──▶ (done)
 *        │     └─temporary password (SPEC §9)──▶ change_password ──new password ok──▶ (after password)
 *        └──policy blocks──▶ blocked
 *
 * "(after password)" is one step: what the policy asks once the password is proven (MFA, registration
 * or nothing). A temporary password set by an admin is replaced first, so the rest of the sign-in
 * runs exactly as with a chosen password.
 */
export type FlowState =
  | 'credentials'
  | 'change_password'
  | 'second_factor'
  | 'register_offer'
  | 'register_totp'
  | 'recovery_codes'
  | 'blocked';

export type FlowAction =
  | 'password'
  | 'change_password'
  | 'totp'
  | 'recovery_code'
  | 'begin_registration'
  | 'skip_registration'
  | 'confirm_totp'
  | 'continue'
  | 'cancel';

export const TRANSITIONS: Record<FlowState, readonly FlowAction[]> = {
  credentials: ['password', 'cancel'],
  change_password: ['change_password', 'cancel'],
  second_factor: ['totp', 'recovery_code', 'cancel'],
  register_offer: ['begin_registration', 'skip_registration', 'cancel'],
  register_totp: ['confirm_totp', 'cancel'],
  recovery_codes: ['continue'],
  blocked: ['cancel'],
};

export function isAllowed(state: FlowState, action: string): action is FlowAction {
  return (TRANSITIONS[state] as readonly string[]).includes(action);
}

export type AllowedRequirement = Extract<SignInRequirement, { outcome: 'allow' }>;

export interface FlowData {
  csrf: string;
  userId?: string;
  userPrincipalName?: string;
  /** RFC 8176 factors proven so far in this flow. */
  proven: ('pwd' | 'otp')[];
  steps: AuthenticationStep[];
  requirement?: AllowedRequirement;
  /**
   * SPEC §9: fingerprint (passwordHashFingerprint) of the temporary password proven at the password
   * step; the change-password step succeeds only while it is still the user's current password.
   */
  temporaryPasswordFingerprint?: string;
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
