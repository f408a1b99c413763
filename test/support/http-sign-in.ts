import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { hashPassword } from '../../src/authentication-methods/passwords.ts';
import { addTotpMethod, newTotpSecret, totpFor } from '../../src/authentication-methods/totp.ts';
import { addGroupMemberByName } from '../../src/directory/groups.ts';
import { createUser } from '../../src/directory/users.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { authorizationRequest, REDIRECT_URI } from './oidc.ts';
import { UserAgent } from './user-agent.ts';

/**
 * Sign-ins against Warden running in another process (`warden serve`, several instances, a restored
 * install): users are made in its database directly, sign-ins go over HTTP on the real clock.
 */

export interface HttpUser {
  id: string;
  upn: string;
  password: string;
  seed: string;
}

/**
 * Partner users of `tenantId` (MFA by password and authenticator code), Admin agents so the
 * Partner API answers them, made in the database of a Warden that runs elsewhere: `databaseUrl`
 * (PostgreSQL) or the SQLite database of `dataDir`; `secretKey` is that Warden's WARDEN_SECRET_KEY.
 */
export async function makeHttpUsers(input: {
  databaseUrl: string | undefined;
  dataDir?: string;
  secretKey: string;
  tenantId: string;
  domain: string;
  names: string[];
  password: string;
}): Promise<HttpUser[]> {
  const { db } = await openDatabase({ databaseUrl: input.databaseUrl, dataDir: input.dataDir ?? tmpdir() });
  const secrets = new SecretBox(Buffer.from(input.secretKey, 'base64'), 'secrets');
  const passwordHash = await hashPassword(input.password);
  try {
    const users: HttpUser[] = [];
    for (const name of input.names) {
      const upn = `${name}@${input.domain}`;
      const user = await createUser(db, input.tenantId, {
        userPrincipalName: upn,
        displayName: name,
        passwordHash,
      });
      const seed = newTotpSecret();
      await addTotpMethod(db, secrets, input.tenantId, user.id, seed, Date.now());
      await addGroupMemberByName(db, input.tenantId, 'AdminAgents', user.id);
      users.push({ id: user.id, upn, password: input.password, seed });
    }
    return users;
  } finally {
    await db.destroy();
  }
}

/** openid-client configured by discovery of a tenant's authority at `baseUrl` (Warden's WARDEN_BASE_URL). */
export function httpRelyingParty(
  baseUrl: string,
  tenantId: string,
  appId: string,
): Promise<client.Configuration> {
  return client.discovery(new URL(`${baseUrl}/${tenantId}/v2.0`), appId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
}

/** RFC 6238's time step of a moment (30-second periods). */
export const totpStep = (at: number) => Math.floor(at / 30_000);

/**
 * One real interactive sign-in (authorization request with PKCE, password, authenticator code,
 * code redeemed for tokens), asking for MFA as the Partner API needs (SPEC E2). The code is the
 * current time step's, or `afterStep + 1`'s when that is later (RFC 6238 §5.2: a step's code is
 * accepted once; Warden accepts the next step's too), so one user can sign in twice in 30 s.
 */
export async function httpSignIn(
  config: client.Configuration,
  user: HttpUser,
  afterStep = Number.NEGATIVE_INFINITY,
): Promise<{ accessToken: string; kid: string | undefined; step: number }> {
  const step = Math.max(totpStep(Date.now()), afterStep + 1);
  const { url, verifier, state } = await authorizationRequest(config, {
    login_hint: user.upn,
    amr_values: 'mfa',
  });
  const ua = new UserAgent();
  await ua.navigate(url);
  await ua.submit('password', { username: user.upn, password: user.password });
  assert.equal(ua.step(), 'second_factor', `${user.upn}: asked for the second factor (${ua.title()})`);
  const callback = await ua.submit('totp', {
    code: totpFor(user.seed).generate({ timestamp: step * 30_000 }),
  });
  // What the page said, for the failure's message.
  const refusal = (/<main[\s\S]*<\/main>/.exec(ua.lastPage)?.[0] ?? ua.lastPage)
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .slice(0, 300);
  assert.ok(
    callback.startsWith(REDIRECT_URI),
    `${user.upn}: back at the client, not at ${ua.title()} (${refusal})`,
  );
  const tokens = await client.authorizationCodeGrant(
    config,
    new URL(callback),
    { pkceCodeVerifier: verifier, expectedState: state },
    { redirect_uri: REDIRECT_URI },
  );
  return { accessToken: tokens.access_token, kid: decodeProtectedHeader(tokens.access_token).kid, step };
}

/** `GET /v1/customers` with a token: its status and MS-CorrelationId. */
export async function listCustomers(
  baseUrl: string,
  token: string,
): Promise<{ status: number; correlationId: string }> {
  const res = await fetch(`${baseUrl}/v1/customers`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return { status: res.status, correlationId: res.headers.get('ms-correlationid') ?? '' };
}
