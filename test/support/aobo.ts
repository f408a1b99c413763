import { totpFor } from '../../src/authentication-methods/totp.ts';
import { createAssignment } from '../../src/delegated-admin/access-assignments.ts';
import { applyEvent, createRelationship, requestAction } from '../../src/delegated-admin/relationships.ts';
import { insertGroup, insertMember } from '../../src/directory/groups.ts';
import { GRAPH_API } from '../../src/tokens/audiences.ts';
import type { TestWarden } from './harness.ts';
import { type AuthorizationStart, completeSecondStep, redeem, startAuthorization } from './oidc.ts';
import { UserAgent } from './user-agent.ts';

export const AOBO_GRAPH_SCOPE = `openid profile offline_access ${GRAPH_API}/Directory.AccessAsUser.All`;

/**
 * A partner user's sign-in at a customer's authority (SPEC E3): the partner's UPN and password on
 * the customer's sign-in page, then the second factor (with `seed`, or the demo seed) or the
 * registration the sign-in asks. Returns the tokens, the step the password led to and the seed
 * (a freshly registered one for a user who had none).
 */
export async function delegatedSignIn(
  w: TestWarden,
  upn: string,
  customerKey: string,
  options: { scope?: string; seed?: string } = {},
) {
  const start: AuthorizationStart = await startAuthorization(w, customerKey, {
    scope: options.scope ?? AOBO_GRAPH_SCOPE,
  });
  const ua = new UserAgent();
  await ua.navigate(start.url);
  const password = await ua.submit('password', { username: upn, password: w.demo.password });
  const afterPassword = ua.step();
  let done: { at: string; seed: string | undefined };
  if (options.seed && afterPassword === 'second_factor') {
    w.clock.advance(30_000);
    const code = totpFor(options.seed).generate({ timestamp: w.clock.now() });
    done = { at: await ua.submit('totp', { code }), seed: options.seed };
  } else done = await completeSecondStep(w, ua, { at: password, upn, mfa: true });
  const tokens = await redeem(start, done.at);
  return { tokens, afterPassword, seed: done.seed };
}

const BY = { tenantId: null, userId: null, appId: null, name: 'test' };

/**
 * An active GDAP relationship of `partnerKey` with `customerKey` whose one access assignment gives
 * a new group of these partner users these roles. Returns the relationship and group ids.
 */
export async function grantGdap(
  w: TestWarden,
  partnerKey: string,
  customerKey: string,
  upns: string[],
  roleTemplateIds: string[],
): Promise<{ relationshipId: string; groupId: string }> {
  const db = w.ctx.db;
  const partner = w.demo.tenants[partnerKey]!.id;
  const customer = w.demo.tenants[customerKey]!.id;
  const group = await insertGroup(db, partner, `Test group ${Math.random()}`, w.clock.now());
  for (const upn of upns) await insertMember(db, partner, group.id, w.demo.users[upn]!.id);
  const rel = await createRelationship(
    db,
    partner,
    { displayName: `Test ${Math.random()}`, duration: 'P30D', roleTemplateIds, customerTenantId: customer },
    w.clock.now(),
    BY,
  );
  await requestAction(db, partner, rel.id, 'lockForApproval', { by: BY }, w.clock.now());
  await applyEvent(
    db,
    { customerTenantId: customer },
    rel.id,
    { event: 'approve', actor: 'customer', by: BY },
    w.clock.now(),
  );
  await createAssignment(db, partner, rel.id, { groupId: group.id, roleTemplateIds }, BY, w.clock.now());
  return { relationshipId: rel.id, groupId: group.id };
}

/** Ends a relationship as the partner would (SPEC §13: its access ends with it). */
export async function terminateGdap(
  w: TestWarden,
  partnerKey: string,
  relationshipId: string,
): Promise<void> {
  await applyEvent(
    w.ctx.db,
    { partnerTenantId: w.demo.tenants[partnerKey]!.id },
    relationshipId,
    { event: 'terminate', actor: 'partner', by: BY },
    w.clock.now(),
  );
}

/** A Graph call with a bearer token: status and parsed JSON body. */
export async function graph(
  w: TestWarden,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${w.baseUrl}/v1.0${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
