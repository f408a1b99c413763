import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createContext } from '../src/app.ts';
import { hashPassword } from '../src/authentication-methods/passwords.ts';
import { addGroupMemberByName } from '../src/directory/groups.ts';
import { createUser } from '../src/directory/users.ts';
import { buildServer } from '../src/http/server.ts';
import { DEFAULT_REFRESH_MS, isRevoked, RevocationList } from '../src/sessions/revocation-list.ts';
import {
  purgeRevocations,
  REVOCATION_KEPT_MS,
  type Revocation,
  revokeUserTokens,
} from '../src/sessions/revocations.ts';
import { tenantUrl } from './support/device.ts';
import { graphToken } from './support/graph.ts';
import { FrozenClock, startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, REDIRECT_URI, redeem, signIn, startAuthorization } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';
import { UserAgent } from './support/user-agent.ts';

/*
 * Access tokens are JWTs the APIs check without a lookup; a revocation reaches the Partner API
 * and Graph gates through the revocation list every instance reads from the database again
 * within DEFAULT_REFRESH_MS of Warden's clock. The tests move the clock past that instead of
 * sleeping.
 */

const JANE = 'jane@contoso.example';
const BOTH =
  'openid profile offline_access urn:warden:partner-api/user_impersonation urn:warden:graph/Directory.AccessAsUser.All';
const GRAPH_DEFAULT = 'urn:warden:graph/.default openid profile offline_access';

// biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
type Json = any;

async function tokenRequest(
  w: TestWarden,
  fields: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(tenantUrl(w, 'contoso', '/oauth2/v2.0/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'warden-cli', ...fields }),
  });
  return { status: response.status, body: await response.json() };
}

function refresh(w: TestWarden, refreshToken: string, scope?: string) {
  return tokenRequest(w, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    ...(scope ? { scope } : {}),
  });
}

/** What a token gets at each API: the status and the code of the API's error shape. */
async function partnerApi(w: TestWarden, token: string): Promise<[number, string | undefined]> {
  const res = await callApi(w, 'GET', '/v1/customers', { token });
  return [res.status, res.body?.wardenCode];
}
async function graphApi(w: TestWarden, token: string): Promise<[number, string | undefined]> {
  const res = await callApi(w, 'GET', '/v1.0/users', { token });
  return [res.status, res.body?.error?.code];
}

const PARTNER_REFUSED: [number, string] = [401, 'invalid_token'];
const GRAPH_REFUSED: [number, string] = [401, 'InvalidAuthenticationToken'];
const OK: [number, undefined] = [200, undefined];

/** Lets every instance's copy of the revocation list grow old enough to be read again. */
function passRefreshInterval(w: TestWarden): void {
  w.clock.advance(DEFAULT_REFRESH_MS);
}

/** Jane's sign-in for both APIs: the code's callback, its tokens, and a Graph token of the same grant. */
async function janeForBothApis(w: TestWarden) {
  const start = await startAuthorization(w, 'contoso', { scope: BOTH });
  const { callback } = await signIn(w, start, { upn: JANE, totpSeed: w.demo.users[JANE]!.totpSeed! });
  const first = await redeem(start, callback);
  const graph = await refresh(w, first.refresh_token!, GRAPH_DEFAULT);
  assert.equal(graph.status, 200, JSON.stringify(graph.body));
  return {
    start,
    code: new URL(callback).searchParams.get('code')!,
    partner: first.access_token,
    graph: graph.body.access_token as string,
    refreshToken: graph.body.refresh_token as string,
  };
}

let made = 0;
/**
 * A fresh Contoso user who is an admin agent (Partner API) and a Security Administrator (Graph
 * reads), signed in with MFA (registering an authenticator on the way): a token for each API.
 */
async function agentWithTokens(w: TestWarden) {
  made += 1;
  const tenantId = w.demo.tenants.contoso!.id;
  const upn = `revoked-${made}@contoso.example`;
  const user = await createUser(w.ctx.db, tenantId, {
    userPrincipalName: upn,
    displayName: `Revoked ${made}`,
    passwordHash: await hashPassword(w.demo.password),
    directoryRoles: ['Security Administrator'],
  });
  await addGroupMemberByName(w.ctx.db, tenantId, 'AdminAgents', user.id);
  const start = await startAuthorization(w, 'contoso', { scope: BOTH });
  const ua = new UserAgent();
  await ua.navigate(start.url);
  const password = await ua.submit('password', { username: upn, password: w.demo.password });
  const { at } = await completeSecondStep(w, ua, { at: password, upn, mfa: true });
  const tokens = await redeem(start, at);
  const graph = await refresh(w, tokens.refresh_token!, GRAPH_DEFAULT);
  assert.equal(graph.status, 200, JSON.stringify(graph.body));
  const partner = tokens.access_token;
  assert.deepEqual(await partnerApi(w, partner), OK);
  assert.deepEqual(await graphApi(w, graph.body.access_token), OK);
  return {
    id: user.id,
    partner,
    graph: graph.body.access_token as string,
    refreshToken: graph.body.refresh_token as string,
  };
}

describe('revocations reach the APIs within seconds (the revocation list)', () => {
  let w: TestWarden;
  let admin: string;
  before(async () => {
    w = await startWarden();
    admin = await graphToken(w, JANE);
  });
  after(() => w.stop());

  it('RFC 6749 §4.1.2: a replayed authorization code revokes the tokens already issued, at the APIs within seconds', async () => {
    const jane = await janeForBothApis(w);
    assert.deepEqual(await partnerApi(w, jane.partner), OK);
    assert.deepEqual(await graphApi(w, jane.graph), OK);

    const replay = await tokenRequest(w, {
      grant_type: 'authorization_code',
      code: jane.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: jane.start.verifier,
    });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');

    passRefreshInterval(w);
    assert.deepEqual(await partnerApi(w, jane.partner), PARTNER_REFUSED);
    assert.deepEqual(await graphApi(w, jane.graph), GRAPH_REFUSED);
    const refused = await callApi(w, 'GET', '/v1/customers', { token: jane.partner });
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    // The grant is gone with its refresh token, and only that grant: Jane's other sign-in still works.
    assert.equal((await refresh(w, jane.refreshToken)).body.error, 'invalid_grant');
    assert.deepEqual(await graphApi(w, admin), OK);
  });

  it('RFC 9700 §4.14.2: a replayed refresh token revokes the access tokens of its whole chain at the APIs within seconds', async () => {
    const jane = await janeForBothApis(w);
    const rotated = await refresh(w, jane.refreshToken, 'urn:warden:partner-api/user_impersonation');
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.deepEqual(await partnerApi(w, rotated.body.access_token), OK);

    const replay = await refresh(w, jane.refreshToken);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');

    passRefreshInterval(w);
    assert.deepEqual(await partnerApi(w, jane.partner), PARTNER_REFUSED);
    assert.deepEqual(await graphApi(w, jane.graph), GRAPH_REFUSED);
    assert.deepEqual(await partnerApi(w, rotated.body.access_token), PARTNER_REFUSED);
  });

  it('RFC 7009 §2.1: revoking a refresh token also ends the access tokens of its grant at the APIs', async () => {
    const jane = await janeForBothApis(w);
    const response = await fetch(tenantUrl(w, 'contoso', '/oauth2/v2.0/revoke'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'warden-cli',
        token: jane.refreshToken,
        token_type_hint: 'refresh_token',
      }),
    });
    assert.equal(response.status, 200);
    passRefreshInterval(w);
    assert.deepEqual(await partnerApi(w, jane.partner), PARTNER_REFUSED);
    assert.deepEqual(await graphApi(w, jane.graph), GRAPH_REFUSED);
  });

  it('SPEC §9: a disabled user’s access tokens are refused at both APIs within seconds', async () => {
    const agent = await agentWithTokens(w);
    const disabled = await callApi(w, 'PATCH', `/v1.0/users/${agent.id}`, {
      token: admin,
      body: { accountEnabled: false },
    });
    assert.equal(disabled.status, 204, JSON.stringify(disabled.body));
    passRefreshInterval(w);
    assert.deepEqual(await partnerApi(w, agent.partner), PARTNER_REFUSED);
    assert.deepEqual(await graphApi(w, agent.graph), GRAPH_REFUSED);
  });

  it('SPEC §9: after an administrator resets a password, the access tokens issued before are refused at both APIs within seconds', async () => {
    const agent = await agentWithTokens(w);
    const reset = await callApi(
      w,
      'POST',
      `/v1.0/users/${agent.id}/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword`,
      { token: admin, body: {} },
    );
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    passRefreshInterval(w);
    assert.deepEqual(await partnerApi(w, agent.partner), PARTNER_REFUSED);
    assert.deepEqual(await graphApi(w, agent.graph), GRAPH_REFUSED);
  });

  it('Graph revokeSignInSessions: the user’s refresh tokens end and its access tokens are refused at both APIs within seconds', async () => {
    const agent = await agentWithTokens(w);
    const revoked = await callApi(w, 'POST', `/v1.0/users/${agent.id}/revokeSignInSessions`, {
      token: admin,
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    assert.equal(revoked.body.value, true);
    assert.equal((await refresh(w, agent.refreshToken)).body.error, 'invalid_grant');
    passRefreshInterval(w);
    assert.deepEqual(await partnerApi(w, agent.partner), PARTNER_REFUSED);
    assert.deepEqual(await graphApi(w, agent.graph), GRAPH_REFUSED);
    // The administrator who revoked them is not affected.
    assert.deepEqual(await graphApi(w, admin), OK);
  });

  it('Graph revokeSignInSessions: a directory role without that right is refused (403), and the target keeps its tokens', async () => {
    const agent = await agentWithTokens(w);
    const jane = w.demo.users[JANE]!.id;
    const bySecurityAdmin = await callApi(w, 'POST', `/v1.0/users/${jane}/revokeSignInSessions`, {
      token: agent.graph,
    });
    assert.equal(bySecurityAdmin.status, 403);
    assert.equal(bySecurityAdmin.body.error.code, 'Authorization_RequestDenied');
    assert.deepEqual(await graphApi(w, admin), OK);
  });

  it('Operations: a second Warden instance on the same database refuses a token another instance revoked, within its refresh interval', async () => {
    const clock = new FrozenClock();
    const second = await createContext(w.ctx.config, { clock });
    const app = await buildServer(second);
    try {
      const atSecond = async (token: string) => {
        const res = await app.inject({
          method: 'GET',
          url: '/v1/customers',
          headers: { authorization: `Bearer ${token}` },
        });
        return [res.statusCode, res.json().wardenCode] as [number, string | undefined];
      };
      const jane = await janeForBothApis(w);
      assert.deepEqual(await atSecond(jane.partner), OK);
      // The first instance sees a replayed code and revokes the grant.
      const replay = await tokenRequest(w, {
        grant_type: 'authorization_code',
        code: jane.code,
        redirect_uri: REDIRECT_URI,
        code_verifier: jane.start.verifier,
      });
      assert.equal(replay.body.error, 'invalid_grant');
      // The second instance reads the list again once its copy is DEFAULT_REFRESH_MS old.
      clock.advance(DEFAULT_REFRESH_MS);
      assert.deepEqual(await atSecond(jane.partner), PARTNER_REFUSED);
    } finally {
      await app.close();
      await second.db.destroy();
    }
  });
});

describe('the revocation list (sessions/)', () => {
  const tenant = '11111111-1111-4111-8111-111111111111';
  const user = '22222222-2222-4222-8222-222222222222';
  const at = Date.UTC(2026, 0, 1, 12, 0, 0, 500); // half a second into a second
  const revokedUser: Revocation = { tenantId: tenant, kind: 'user', subject: user, revokedAt: at };
  const revokedGrant: Revocation = { tenantId: tenant, kind: 'grant', subject: 'grant-ref', revokedAt: at };
  const second = Math.floor(at / 1000);

  it('Operations: a user’s revocation covers the tokens issued before it (and in its second); a grant’s every token of the grant', () => {
    const rows: [string, Parameters<typeof isRevoked>[1], boolean][] = [
      ['issued a minute before', { tenantId: tenant, userId: user, issuedAt: second - 60 }, true],
      ['issued in the same second', { tenantId: tenant, userId: user, issuedAt: second }, true],
      ['issued the second after', { tenantId: tenant, userId: user, issuedAt: second + 1 }, false],
      ['another user', { tenantId: tenant, userId: 'someone-else', issuedAt: second - 60 }, false],
      [
        'the same user id in another tenant',
        { tenantId: 'another', userId: user, issuedAt: second - 60 },
        false,
      ],
      ['an app-only token', { tenantId: tenant, issuedAt: second - 60 }, false],
      [
        'the revoked grant, issued later',
        { tenantId: tenant, grant: 'grant-ref', issuedAt: second + 600 },
        true,
      ],
      ['another grant', { tenantId: tenant, grant: 'other-ref', issuedAt: second - 60 }, false],
    ];
    for (const [name, token, revoked] of rows) {
      assert.equal(isRevoked([revokedUser, revokedGrant], token), revoked, name);
    }
  });

  it('Operations: the list is read again after its refresh interval on Warden’s clock, and a row lasts only as long as a token it covers', async () => {
    const w = await startWarden();
    try {
      const clock = new FrozenClock(Date.now());
      const list = new RevocationList(w.ctx.db, clock, { refreshMs: 5_000 });
      const token = { tenantId: tenant, userId: user, issuedAt: Math.floor(Date.now() / 1000) - 1 };
      assert.equal(await list.revokes(token), false);
      await revokeUserTokens(w.ctx.db, tenant, user);
      clock.advance(4_000);
      assert.equal(await list.revokes(token), false, 'the copy is younger than its interval');
      clock.advance(1_000);
      assert.equal(await list.revokes(token), true, 'read again after 5 s');
      // An hour and five minutes on, no token issued before the revocation is accepted any more.
      clock.advance(REVOCATION_KEPT_MS);
      assert.equal(await list.revokes(token), false);
      await purgeRevocations(w.ctx.db, clock.now());
      assert.equal((await w.ctx.db.selectFrom('revocations').selectAll().execute()).length, 0);
    } finally {
      await w.stop();
    }
  });

  it('Operations: a refresh reads only what was revoked lately, yet misses no row stamped a little before the newest seen (another instance, a late commit), and expired rows leave memory', async () => {
    const w = await startWarden();
    try {
      const clock = new FrozenClock(Date.now());
      const list = new RevocationList(w.ctx.db, clock, { refreshMs: 1_000 });
      const at = Date.now();
      const old = Math.floor(at / 1000) - 10;
      await revokeUserTokens(w.ctx.db, tenant, 'user-a', at);
      assert.equal(await list.revokes({ tenantId: tenant, userId: 'user-a', issuedAt: old }), true);
      // Another instance's row, stamped 30 s before the newest this instance has read.
      await revokeUserTokens(w.ctx.db, tenant, 'user-b', at - 30_000);
      clock.advance(1_000);
      assert.equal(await list.revokes({ tenantId: tenant, userId: 'user-b', issuedAt: old - 60 }), true);
      assert.equal(list.size, 2);
      clock.advance(REVOCATION_KEPT_MS);
      assert.equal(await list.revokes({ tenantId: tenant, userId: 'user-a', issuedAt: old }), false);
      assert.equal(list.size, 0, 'expired revocations leave memory at the next read');
    } finally {
      await w.stop();
    }
  });
});
