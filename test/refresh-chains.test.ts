import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { resetUserPassword } from '../src/directory/password-reset.ts';
import { revokeDirectoryUserSessions, updateDirectoryUser } from '../src/directory/user-admin.ts';
import { getUser } from '../src/directory/users.ts';
import { listSignIns } from '../src/sign-in-logs/sign-in-log.ts';
import { PARTNER_API } from '../src/tokens/audiences.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { DAY_MS, redeemAt, samConsent, startTravel } from './support/sam.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const PARTNER_SCOPE = `${PARTNER_API}/user_impersonation`;

/** A signed-in row of the tenant's log for the user with this code, once written (after the answer). */
async function signInRow(w: TestWarden, tenantId: string, userId: string, errorCode: number) {
  for (let tries = 0; tries < 200; tries++) {
    const rows = await listSignIns(w.ctx.db, tenantId, { userId });
    const row = rows.find((r) => r.status.errorCode === errorCode);
    if (row) return row;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return undefined;
}

describe('SPEC §10, R2: refresh-token chains roll while used and end with Entra’s codes', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  /**
   * A fresh Contoso admin agent with an authenticator, consented through the SAM app. A test that
   * moves time starts its travel first, so the sign-in is stamped on the same clock as the rest.
   */
  async function integrationUser() {
    const user = await makeUser(w, { name: 'integration', groups: ['AdminAgents'], totp: true });
    const tokens = await samConsent(w, user.upn);
    assert.ok(tokens.refresh_token);
    assert.ok((decodeJwt(tokens.access_token).amr as string[]).includes('mfa'));
    return { user, refreshToken: tokens.refresh_token, issuedAt: decodeJwt(tokens.access_token).iat! };
  }

  it('SPEC §10: a chain redeemed every 80 days for 3 years stays alive, each redemption a new 90-day token with the first sign-in’s amr', async (t) => {
    const travel = startTravel(w, t);
    const { refreshToken } = await integrationUser();
    let current = refreshToken;
    for (let day = 80; day <= 3 * 365; day += 80) {
      travel(80 * DAY_MS);
      const answer = await redeemAt(w, 'contoso.example', current, PARTNER_SCOPE);
      assert.equal(answer.status, 200, `day ${day}: ${JSON.stringify(answer.body)}`);
      assert.notEqual(answer.body.refresh_token, current, 'every redemption rotates');
      const access = decodeJwt(answer.body.access_token);
      assert.deepEqual(access.amr, ['pwd', 'otp', 'mfa']);
      const customers = await callApi(w, 'GET', '/v1/customers?size=5', { token: answer.body.access_token });
      assert.equal(customers.status, 200, `day ${day}`);
      current = answer.body.refresh_token;
    }
  });

  it('SPEC §10, reference §3.2: a chain idle for 90 days and 1 s answers AADSTS700082 with its issue time and inactivity, logged as a non-interactive sign-in', async (t) => {
    const travel = startTravel(w, t);
    const { user, refreshToken, issuedAt } = await integrationUser();
    travel(90 * DAY_MS + 1000);
    const answer = await redeemAt(w, 'contoso.example', refreshToken, PARTNER_SCOPE);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'invalid_grant');
    assert.deepEqual(answer.body.error_codes, [700082]);
    assert.equal(answer.body.suberror, 'bad_token');
    assert.match(answer.body.error_description, /^AADSTS700082: /);
    assert.ok(
      answer.body.error_description.includes(`issued on ${new Date(issuedAt * 1000).toISOString()}`),
      answer.body.error_description,
    );
    // 90 days and the second, plus the half-minute steps the sign-in's TOTP took on Warden's clock.
    assert.match(answer.body.error_description, /inactive for 90\.00:0[0-2]:\d\d\./);
    const row = await signInRow(w, user.tenantId, user.id, 700082);
    assert.ok(row, 'the refusal is a row of the sign-in log');
    assert.equal(row.isInteractive, false);
    assert.equal(row.appId, w.demo.clients['contoso-sam']!.clientId);
  });

  it('SPEC §10: a chain redeemed at 89 days 23 h lives; no absolute cap stops it afterwards', async (t) => {
    const travel = startTravel(w, t);
    const { refreshToken } = await integrationUser();
    travel(90 * DAY_MS - 3600_000);
    const first = await redeemAt(w, 'contoso.example', refreshToken, PARTNER_SCOPE);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    travel(90 * DAY_MS - 3600_000);
    const second = await redeemAt(w, 'contoso.example', first.body.refresh_token, PARTNER_SCOPE);
    assert.equal(second.status, 200, JSON.stringify(second.body));
  });

  /** A Global Administrator of Contoso, signed in with MFA (who may reset, disable and revoke agents). */
  async function globalAdministrator() {
    const admin = await makeUser(w, { name: 'ga', roles: ['Global Administrator'], totp: true });
    return (await getUser(w.ctx.db, admin.tenantId, admin.id))!;
  }

  for (const [trigger, revoke] of [
    [
      'an administrator’s password reset',
      async (userId: string) => {
        const target = (await getUser(w.ctx.db, w.demo.tenants.contoso!.id, userId))!;
        await resetUserPassword(w.ctx, await globalAdministrator(), target, 'Another-Password-2026!');
      },
    ],
    [
      'the account disabled',
      async (userId: string) => {
        const target = (await getUser(w.ctx.db, w.demo.tenants.contoso!.id, userId))!;
        await updateDirectoryUser(w.ctx, await globalAdministrator(), target, { accountEnabled: false });
      },
    ],
    [
      '“revoke sessions”',
      async (userId: string) => {
        const target = (await getUser(w.ctx.db, w.demo.tenants.contoso!.id, userId))!;
        await revokeDirectoryUserSessions(w.ctx, await globalAdministrator(), target);
      },
    ],
  ] as const) {
    it(`reference §3.2: ${trigger} revokes the chain: AADSTS50173 with the grant’s issue time and the time tokens are valid from`, async () => {
      const { user, refreshToken } = await integrationUser();
      const rolled = await redeemAt(w, 'contoso.example', refreshToken, PARTNER_SCOPE);
      assert.equal(rolled.status, 200);
      await revoke(user.id);
      const answer = await redeemAt(w, 'contoso.example', rolled.body.refresh_token, PARTNER_SCOPE);
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error, 'invalid_grant');
      assert.deepEqual(answer.body.error_codes, [50173]);
      assert.match(
        answer.body.error_description,
        /issued on '\d{4}-\d\d-\d\dT[^']+' and tokens are valid from '\d{4}-/,
      );
      assert.ok(await signInRow(w, user.tenantId, user.id, 50173));
    });
  }

  it('RFC 9700 §4.14.2: a replayed refresh token still revokes the whole chain; its newest token then answers AADSTS50173', async () => {
    const { refreshToken } = await integrationUser();
    const rolled = await redeemAt(w, 'contoso.example', refreshToken, PARTNER_SCOPE);
    assert.equal(rolled.status, 200);
    const replay = await redeemAt(w, 'contoso.example', refreshToken, PARTNER_SCOPE);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    const newest = await redeemAt(w, 'contoso.example', rolled.body.refresh_token, PARTNER_SCOPE);
    assert.equal(newest.status, 400);
    assert.deepEqual(newest.body.error_codes, [50173]);
  });

  it('RFC 6749 §5.2: another client presenting a revoked chain’s token is not told why the chain ended', async () => {
    const { refreshToken } = await integrationUser();
    const rolled = await redeemAt(w, 'contoso.example', refreshToken, PARTNER_SCOPE);
    assert.equal((await redeemAt(w, 'contoso.example', refreshToken, PARTNER_SCOPE)).status, 400); // replay
    const response = await fetch(`${w.baseUrl}/contoso.example/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: rolled.body.refresh_token,
        client_id: 'warden-cli',
        scope: PARTNER_SCOPE,
      }),
    });
    const body = (await response.json()) as { error: string; error_codes?: number[] };
    assert.equal(response.status, 400);
    assert.equal(body.error, 'invalid_grant');
    assert.equal(body.error_codes, undefined);
    // The chain's own client is told (AADSTS50173).
    assert.deepEqual(
      (await redeemAt(w, 'contoso.example', rolled.body.refresh_token, PARTNER_SCOPE)).body.error_codes,
      [50173],
    );
  });

  it('RFC 6749 §5.2: a refresh token the authority never issued keeps oidc-provider’s invalid_grant (no AADSTS code invented)', async () => {
    const answer = await redeemAt(w, 'contoso.example', 'not-a-token-warden-issued', PARTNER_SCOPE);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'invalid_grant');
    assert.equal(answer.body.error_codes, undefined);
  });
});
