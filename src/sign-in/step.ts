import type { WardenContext } from '../context.ts';
import type { Tenant } from '../directory/tenants.ts';
import { getUser, type User } from '../directory/users.ts';
import type { ExistingSession } from './existing-session.ts';
import type { Flow, FlowState } from './flow.ts';

/** What a step of the sign-in is given: the flow, the request's facts and the posted form. */
export interface StepInput {
  ctx: WardenContext;
  tenant: Tenant;
  flow: Flow;
  clientId: string;
  /**
   * SPEC §10: the client is a multi-tenant application published by another, non-operator tenant
   * (directory/third-party-applications.ts), so this sign-in ends at its consent page.
   */
  thirdPartyApplication: boolean;
  /** The authorization request's parameters (step-up reads them). */
  params: Record<string, unknown>;
  ip: string;
  /** The browser's User-Agent header, for the sign-in log's deviceDetail. */
  userAgent?: string | undefined;
  form: Record<string, string>;
  /**
   * Issue 15 item 4: the authority's session this sign-in may build on (existing-session.ts), when
   * oidc-provider sent it back to login only for MFA; undefined when the whole sign-in is needed.
   */
  session?: ExistingSession | undefined;
}

/**
 * What a step decided. Steps never assign the flow's state: they say where the flow goes, and the
 * dispatcher (transitions.ts) checks that against the table before it moves the flow there.
 *   show     the page of `state` (the same state again when the step asks to correct something)
 *   finish   the sign-in is complete with these RFC 8176 `amr` values and this `acr`
 *   cancel   the user cancelled (access_denied to the relying party)
 *   locked   too many attempts (AADSTS50053); the flow ends
 *   blocked  the policy refuses this sign-in; the flow ends in the `blocked` state
 */
export type StepOutcome =
  | { kind: 'show'; state: FlowState; codes?: string[] }
  | { kind: 'finish'; amr: string[]; acr: string }
  | { kind: 'cancel' }
  | { kind: 'locked' }
  | { kind: 'blocked'; code: 50020 | 50057 | 53003 | 50135 | 53004; reason: string };

/**
 * The tenant whose account signs in: the authority's own, or (SPEC E3) the partner tenant of a
 * user acting on behalf of this customer. The account's password, methods, recovery codes and
 * throttles are that tenant's.
 */
export function accountTenantId(input: StepInput): string {
  return input.flow.data.homeTenantId ?? input.tenant.id;
}

/** The user whose password this flow proved; a step after the password step has one. */
export async function flowUser(input: StepInput): Promise<User> {
  const user = input.flow.data.userId
    ? await getUser(input.ctx.db, accountTenantId(input), input.flow.data.userId)
    : undefined;
  if (!user) throw new Error('sign-in flow has no user');
  return user;
}
