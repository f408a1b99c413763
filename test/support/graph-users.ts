import assert from 'node:assert/strict';
import type { TestWarden } from './harness.ts';
import { callApi } from './tokens.ts';

/** A password the policy accepts for the users the Graph tests create. */
export const GRAPH_USER_PASSWORD = 'Orchid-Lantern-42';

/** Graph's `resetPassword` action on a user's password method (its well-known id). */
export const RESET_PASSWORD = 'authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword';

export interface GraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean;
  userType: string;
}

/** The body of a Graph `POST /users` for `local@contoso.example`, with `extra` on top. */
export function graphUserBody(local: string, extra: Record<string, unknown> = {}) {
  return {
    accountEnabled: true,
    displayName: `Test ${local}`,
    mailNickname: local,
    userPrincipalName: `${local}@contoso.example`,
    passwordProfile: { password: GRAPH_USER_PASSWORD, forceChangePasswordNextSignIn: false },
    ...extra,
  };
}

/** The rows of a table, to prove a refused request wrote nothing. */
export async function rowCount(
  w: TestWarden,
  table: 'users' | 'auth_methods' | 'recovery_codes' | 'group_members' | 'oidc_payloads',
): Promise<number> {
  const row = await w.ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** `GET /v1.0/users{query}`, asserted 200, its users. */
export async function listGraphUsers(w: TestWarden, query: string, token: string): Promise<GraphUser[]> {
  const res = await callApi(w, 'GET', `/v1.0/users${query}`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.value as GraphUser[];
}

/** A `$filter` query string. */
export const filterQuery = (expr: string) => `?$filter=${encodeURIComponent(expr)}`;
