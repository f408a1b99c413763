import type { WardenContext } from '../context.ts';
import type { Tenant } from '../directory/tenants.ts';
import { getUser, type User } from '../directory/users.ts';
import type { Flow, FlowState } from './flow.ts';

/** What a step of the sign-in is given: the flow, the request's facts and the posted form. */
export interface StepInput {
  ctx: WardenContext;
  tenant: Tenant;
  flow: Flow;
  clientId: string;
  /** The authorization request's parameters (step-up reads them). */
  params: Record<string, unknown>;
  ip: string;
  form: Record<string, string>;
}

/**
 * What a step decided. Steps never assign the flow's state: they say where the flow goes, and the
 * dispatcher (transitions.ts) checks that against the table before it moves the flow there.
 *   show     the page of `state` (the same state again when the step asks to correct something)
 *   finish   the sign-in is complete with these RFC 8176 `amr` values
 *   cancel   the user cancelled (access_denied to the relying party)
 *   locked   too many attempts (AADSTS50053); the flow ends
 *   blocked  the policy refuses this sign-in; the flow ends in the `blocked` state
 */
export type StepOutcome =
  | { kind: 'show'; state: FlowState; codes?: string[] }
  | { kind: 'finish'; amr: string[] }
  | { kind: 'cancel' }
  | { kind: 'locked' }
  | { kind: 'blocked'; code: 50057 | 53003; reason: string };

/** The user whose password this flow proved; a step after the password step has one. */
export async function flowUser(input: StepInput): Promise<User> {
  const user = input.flow.data.userId
    ? await getUser(input.ctx.db, input.tenant.id, input.flow.data.userId)
    : undefined;
  if (!user) throw new Error('sign-in flow has no user');
  return user;
}
