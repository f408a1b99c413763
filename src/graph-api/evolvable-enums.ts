import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Graph's evolvable enums (reference: "Evolvable enum members listed after `unknownFutureValue`
 * are only returned when the caller sends `Prefer: include-unknown-enum-members`"). THE one place
 * that applies the rule, to every JSON answer of the Graph API: a member added after the sentinel
 * is answered as `unknownFutureValue` unless the request asked for it, and an answer to a request
 * that asked says `Preference-Applied: include-unknown-enum-members`.
 *
 * The members Warden answers with that come after the sentinel, by property name:
 */
export const EVOLVABLE_MEMBERS: Readonly<Record<string, ReadonlySet<string>>> = {
  // delegatedAdminRelationshipOperation.operationType (partner-center-gdap-sam.md, operations).
  operationType: new Set(['delegatedAdminRelationshipUpdate']),
  // delegatedAdminRelationshipRequest.action (partner-center-gdap-sam.md, requests).
  action: new Set(['reject']),
  // signIn.crossTenantAccessType (entra-identity.md §8.2).
  crossTenantAccessType: new Set(['passthrough']),
  // authenticationRequirementPolicy.requirementProvider (entra-identity.md §8.2).
  requirementProvider: new Set(['scopeBasedAuthRequirementPolicy', 'authenticationStrengths']),
};

const PREFERENCE = 'include-unknown-enum-members';

/** Whether the request's `Prefer` header (RFC 7240) holds the preference. */
export function includesUnknownEnumMembers(prefer: string | string[] | undefined): boolean {
  const values = Array.isArray(prefer) ? prefer : prefer === undefined ? [] : [prefer];
  return values.some((value) =>
    value.split(',').some((p) => p.split(';')[0]!.trim().toLowerCase() === PREFERENCE),
  );
}

/** The value with every evolvable member that came after the sentinel replaced by it. */
export function withoutEvolvableMembers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEvolvableMembers);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const members = Object.hasOwn(EVOLVABLE_MEMBERS, key) ? EVOLVABLE_MEMBERS[key] : undefined;
    out[key] = typeof v === 'string' && members?.has(v) ? 'unknownFutureValue' : withoutEvolvableMembers(v);
  }
  return out;
}

/**
 * The Graph API's onSend hook. A batch's envelope is left alone: each request inside it was
 * answered under its own `Prefer` header.
 */
export async function applyEvolvableEnums(
  req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): Promise<unknown> {
  if (includesUnknownEnumMembers(req.headers.prefer)) {
    reply.header('Preference-Applied', PREFERENCE);
    return payload;
  }
  if (req.routeOptions.url?.endsWith('/$batch')) return payload;
  const type = String(reply.getHeader('content-type') ?? '');
  if (typeof payload !== 'string' || !type.includes('json')) return payload;
  const members = Object.values(EVOLVABLE_MEMBERS).flatMap((set) => [...set]);
  // Most answers hold no such member: only those that do are parsed and written again.
  if (!members.some((member) => payload.includes(`"${member}"`))) return payload;
  return JSON.stringify(withoutEvolvableMembers(JSON.parse(payload)));
}
