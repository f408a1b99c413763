import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { importBreachedPasswords, sha1Hex } from '../src/identity-protection/breached-passwords.ts';
import { importLeakedCredentials } from '../src/identity-protection/leaked-credentials.ts';
import { runPasswordSprayDetector, SPRAY_MIN_ACCOUNTS } from '../src/identity-protection/password-spray.ts';
import { activeUserRisk, raiseDetection } from '../src/identity-protection/risk-state.ts';
import { DEFAULT_REFRESH_MS } from '../src/sessions/revocation-list.ts';
import { recordSignIn } from '../src/sign-in-logs/sign-in-log.ts';
import { delegatedSignIn, grantGdap } from './support/aobo.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { USER_ADMIN } from './support/gdap.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { RESET_PASSWORD } from './support/graph-users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, relyingParty, signIn, startAuthorization } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';
import { type MadeUser, makeUser } from './support/users.ts';

const RISKY = '/v1.0/identityProtection/riskyUsers';
const DETECTIONS = '/v1.0/identityProtection/riskDetections';

describe('SPEC §9 (issue 15 item 6): leaked credentials, password spray and user risk', () => {
  let w: TestWarden;
  let dir: string;
  let security: string; // a Security Administrator's Graph token
  let admin: string; // a Global Administrator's (resets passwords)
  before(async () => {
    w = await startWarden();
    dir = mkdtempSync(join(tmpdir(), 'warden-risk-'));
    security = await graphToken(
      w,
      (await makeUser(w, { name: 'sec', roles: ['Security Administrator'], totp: true })).upn,
    );
    admin = await graphToken(
      w,
      (await makeUser(w, { name: 'ga', roles: ['Global Administrator'], totp: true })).upn,
    );
  });
  after(() => w.stop());

  async function signInAs(user: MadeUser, password = user.password) {
    const { ua } = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: user.upn,
      password,
      ...(user.totpSeed ? { totpSeed: user.totpSeed } : {}),
    });
    return ua;
  }
  const blockedWith = (ua: { lastStatus: number; lastPage: string }, code: number) =>
    ua.lastStatus === 403 && ua.lastPage.includes(`AADSTS${code}`);

  function feed(lines: string[]): string {
    const file = join(dir, `feed-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }
  async function riskyUser(id: string) {
    return callApi(w, 'GET', `${RISKY}/${id}`, { token: security });
  }

  it('SPEC §9: a leaked pair blocks exactly that user (50135) until an administrator resets the password to a temporary one; a re-import raises nothing new', async () => {
    const leaked = await makeUser(w, { name: 'leaked', totp: true });
    const wrongPair = await makeUser(w, { name: 'safe', totp: true });
    const file = feed([
      '# a breach dump',
      `${leaked.upn.toUpperCase()},${leaked.password}`,
      `${wrongPair.upn},not-their-password,with,commas`,
      'nobody@nowhere.example,whatever',
      'no comma here',
    ]);
    const result = await importLeakedCredentials(w.ctx.db, file, w.clock.now());
    assert.deepEqual(result, { lines: 4, known: 2, matched: 1, detections: 1, malformed: 1 });
    assert.deepEqual(
      (await importLeakedCredentials(w.ctx.db, file, w.clock.now())).detections,
      0,
      'the same feed again raises nothing new',
    );

    assert.ok(blockedWith(await signInAs(leaked), 50135), 'the leaked user is blocked');
    assert.ok(!blockedWith(await signInAs(wrongPair), 50135), 'the other user is not');

    const risky = await riskyUser(leaked.id);
    assert.equal(risky.status, 200);
    assert.match(risky.body['@odata.context'], /#identityProtection\/riskyUsers\/\$entity$/);
    assert.deepEqual(
      [risky.body.riskLevel, risky.body.riskState, risky.body.riskDetail, risky.body.userPrincipalName],
      ['high', 'atRisk', 'none', leaked.upn],
    );
    assert.equal((await riskyUser(wrongPair.id)).status, 404);
    const detections = await callApi(
      w,
      'GET',
      `${DETECTIONS}?$filter=${encodeURIComponent(`userId eq '${leaked.id}'`)}`,
      { token: security },
    );
    assert.equal(detections.status, 200);
    assert.equal(detections.body.value.length, 1);
    const [d] = detections.body.value;
    assert.deepEqual(
      [d.riskEventType, d.riskLevel, d.riskState, d.detectionTimingType, d.activity, d.source],
      ['leakedCredentials', 'high', 'atRisk', 'offline', 'user', 'activeDirectory'],
    );
    assert.equal((await callApi(w, 'GET', `${DETECTIONS}/${d.id}`, { token: security })).body.id, d.id);

    // The administrator's reset to a temporary password remediates the risk.
    const reset = await callApi(w, 'POST', `/v1.0/users/${leaked.id}/${RESET_PASSWORD}`, { token: admin });
    assert.equal(reset.status, 200);
    const after = await riskyUser(leaked.id);
    assert.deepEqual(
      [after.body.riskLevel, after.body.riskState, after.body.riskDetail],
      ['none', 'remediated', 'adminGeneratedTemporaryPassword'],
    );
    const detail = await callApi(w, 'GET', `${DETECTIONS}/${d.id}`, { token: security });
    assert.equal(detail.body.riskState, 'remediated');
    const ua = await signInAs(leaked, reset.body.newPassword);
    assert.equal(ua.step(), 'change_password', 'the temporary password signs in, to be changed');
    const audit = await w.ctx.db
      .selectFrom('audit_events')
      .select('activity')
      .where('target_id', '=', leaked.id)
      .where('category', '=', 'IdentityProtection')
      .execute();
    assert.deepEqual(audit.map((a) => a.activity).sort(), ['Remediate user risk', 'Risk detected']);
  });

  it('SPEC §9: dismiss (204) unblocks without changing the password; confirmCompromised sets high and blocks', async () => {
    const user = await makeUser(w, { name: 'dismissed', totp: true });
    await importLeakedCredentials(w.ctx.db, feed([`${user.upn},${user.password}`]), w.clock.now());
    assert.ok(blockedWith(await signInAs(user), 50135));
    const dismissed = await callApi(w, 'POST', `${RISKY}/dismiss`, {
      token: security,
      body: { userIds: [user.id] },
    });
    assert.equal(dismissed.status, 204);
    const risky = await riskyUser(user.id);
    assert.deepEqual(
      [risky.body.riskLevel, risky.body.riskState, risky.body.riskDetail],
      ['none', 'dismissed', 'adminDismissedAllRiskForUser'],
    );
    assert.ok(!blockedWith(await signInAs(user), 50135), 'the same password signs in again');

    const confirmed = await callApi(w, 'POST', `${RISKY}/confirmCompromised`, {
      token: security,
      body: { userIds: [user.id] },
    });
    assert.equal(confirmed.status, 204);
    const now = await riskyUser(user.id);
    assert.deepEqual(
      [now.body.riskLevel, now.body.riskState, now.body.riskDetail],
      ['high', 'confirmedCompromised', 'adminConfirmedUserCompromised'],
    );
    const types = await callApi(
      w,
      'GET',
      `${DETECTIONS}?$filter=${encodeURIComponent(`userId eq '${user.id}'`)}`,
      { token: security },
    );
    assert.deepEqual(
      types.body.value
        .map((d: { riskEventType: string; riskState: string }) => `${d.riskEventType}:${d.riskState}`)
        .sort(),
      ['adminConfirmedUserCompromised:confirmedCompromised', 'leakedCredentials:dismissed'],
    );
    assert.ok(blockedWith(await signInAs(user), 50135));
  });

  it('SPEC §9 per-object rules: nobody dismisses or confirms their own risk, and only a Global Administrator confirms a Global Administrator compromised (403, nothing changed)', async () => {
    const sec = await makeUser(w, { name: 'secself', roles: ['Security Administrator'], totp: true });
    const secToken = await graphToken(w, sec.upn);
    const ga = await makeUser(w, { name: 'gatarget', roles: ['Global Administrator'], totp: true });
    for (const [action, ids] of [
      ['dismiss', [sec.id]],
      ['confirmCompromised', [sec.id]],
      ['confirmCompromised', [ga.id]],
    ] as const) {
      const refused = await callApi(w, 'POST', `${RISKY}/${action}`, {
        token: secToken,
        body: { userIds: ids },
      });
      assert.equal(refused.status, 403, `${action} ${ids[0]}`);
      assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
    }
    const untouched = await w.ctx.db
      .selectFrom('risky_users')
      .select('user_id')
      .where('tenant_id', '=', ga.tenantId)
      .where('user_id', 'in', [sec.id, ga.id])
      .execute();
    assert.deepEqual(untouched, []);
    const tap = await callApi(w, 'POST', `/v1.0/users/${ga.id}/authentication/temporaryAccessPassMethods`, {
      token: admin,
      body: { lifetimeInMinutes: 60 },
    });
    assert.equal(tap.status, 201);
    const byGlobal = await callApi(w, 'POST', `${RISKY}/confirmCompromised`, {
      token: admin,
      body: { userIds: [ga.id] },
    });
    assert.equal(byGlobal.status, 204);
    assert.equal((await riskyUser(ga.id)).body.riskState, 'confirmedCompromised');
    const passes = await callApi(w, 'GET', `/v1.0/users/${ga.id}/authentication/temporaryAccessPassMethods`, {
      token: admin,
    });
    assert.deepEqual(passes.body.value, [], 'a confirmed-compromised user’s pass is deleted');
  });

  it('Graph shapes and refusals: list pages in riskyUser shape; an unknown id is 404 and changes nothing; a bad body 400; readers without the role or app permission are refused', async () => {
    const list = await callApi(w, 'GET', `${RISKY}?$filter=${encodeURIComponent("riskLevel eq 'high'")}`, {
      token: security,
    });
    assert.equal(list.status, 200);
    assert.match(list.body['@odata.context'], /#identityProtection\/riskyUsers$/);
    for (const row of list.body.value) {
      assert.equal(row.riskLevel, 'high');
      assert.deepEqual(Object.keys(row).sort(), [
        'id',
        'isDeleted',
        'isProcessing',
        'riskDetail',
        'riskLastUpdatedDateTime',
        'riskLevel',
        'riskState',
        'userDisplayName',
        'userPrincipalName',
      ]);
    }
    const victim = await makeUser(w, { name: 'victim', totp: true });
    await importLeakedCredentials(w.ctx.db, feed([`${victim.upn},${victim.password}`]), w.clock.now());
    const unknown = await callApi(w, 'POST', `${RISKY}/dismiss`, {
      token: security,
      body: { userIds: [victim.id, crypto.randomUUID()] },
    });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'Request_ResourceNotFound']);
    assert.equal((await riskyUser(victim.id)).body.riskState, 'atRisk', 'nothing was dismissed');
    const empty = await callApi(w, 'POST', `${RISKY}/dismiss`, { token: security, body: { userIds: [] } });
    assert.deepEqual([empty.status, empty.body.error.code], [400, 'Request_BadRequest']);
    const extra = await callApi(w, 'POST', `${RISKY}/dismiss`, {
      token: security,
      body: { userIds: [victim.id], also: 1 },
    });
    assert.equal(extra.status, 400);

    // A Billing Administrator (MFA-signed, but no role of ID Protection).
    const plain = await graphToken(
      w,
      (await makeUser(w, { name: 'billing', roles: ['Billing Administrator'], totp: true })).upn,
    );
    for (const [method, path] of [
      ['GET', RISKY],
      ['GET', DETECTIONS],
      ['POST', `${RISKY}/dismiss`],
    ] as const) {
      const refused = await callApi(w, method, path, {
        token: plain,
        ...(method === 'POST' ? { body: { userIds: [victim.id] } } : {}),
      });
      assert.deepEqual([refused.status, refused.body.error.code], [403, 'Authorization_RequestDenied'], path);
    }
    // contoso-automation holds User.Read.All and AuditLog.Read.All, not IdentityRiskyUser.*.
    const app = await graphAppToken(w);
    assert.equal((await callApi(w, 'GET', RISKY, { token: app })).status, 403);
    // Another tenant's Security Administrator sees none of contoso's risky users.
    const other = await graphToken(
      w,
      (await makeUser(w, { tenant: 'operator', name: 'osec', roles: ['Security Administrator'], totp: true }))
        .upn,
    );
    assert.equal((await callApi(w, 'GET', `${RISKY}/${victim.id}`, { token: other })).status, 404);
    const dismissAcross = await callApi(w, 'POST', `${RISKY}/dismiss`, {
      token: other,
      body: { userIds: [victim.id] },
    });
    assert.equal(dismissAcross.status, 404);
    assert.equal((await riskyUser(victim.id)).body.riskState, 'atRisk');
  });

  it('SPEC §9: the breached-password list (Pwned Passwords range files) refuses a new password, and a sign-in with a breached password is a leaked credential', async () => {
    const breached = 'Tangerine-Harbor-77';
    const hash = sha1Hex(breached);
    const ranges = mkdtempSync(join(dir, 'ranges-'));
    writeFileSync(join(ranges, `${hash.slice(0, 5)}.txt`), `${hash.slice(5)}:42\r\n${'0'.repeat(35)}:1\n`);
    assert.equal(await importBreachedPasswords(w.ctx.db, ranges), 2);
    const target = await makeUser(w, { name: 'chooser', totp: true });
    const refused = await callApi(w, 'POST', `/v1.0/users/${target.id}/${RESET_PASSWORD}`, {
      token: admin,
      body: { newPassword: breached },
    });
    assert.deepEqual([refused.status, refused.body.error.code], [400, 'PasswordDoesNotComplyWithPolicy']);
    assert.match(refused.body.error.message, /data breaches/);

    const unlucky = await makeUser(w, { name: 'unlucky', totp: true, password: breached });
    assert.ok(blockedWith(await signInAs(unlucky), 50135));
    const risky = await riskyUser(unlucky.id);
    assert.deepEqual([risky.body.riskLevel, risky.body.riskState], ['high', 'atRisk']);
    const d = await callApi(
      w,
      'GET',
      `${DETECTIONS}?$filter=${encodeURIComponent(`userId eq '${unlucky.id}'`)}`,
      {
        token: security,
      },
    );
    assert.deepEqual(
      [d.body.value[0].riskEventType, d.body.value[0].detectionTimingType, d.body.value[0].activity],
      ['leakedCredentials', 'realtime', 'signin'],
    );
  });

  it('SPEC §9: password spray — one address failing many accounts with 50126 marks only the account whose password it got right (medium, MFA asked), once', async () => {
    const tenantId = w.demo.tenants.contoso!.id;
    const ip = '203.0.113.77';
    const sprayed = await makeUser(w, { name: 'sprayed', totp: true });
    const noMethod = await makeUser(w, { name: 'nomethod' });
    const base = w.clock.now();
    const row = (upn: string, userId: string | null, errorCode: 0 | 50126, offset: number) =>
      recordSignIn(w.ctx.db, {
        resourceTenantId: tenantId,
        homeTenantId: null,
        userId,
        userPrincipalName: upn,
        appId: null,
        ipAddress: ip,
        clientAppUsed: 'Browser',
        isInteractive: true,
        errorCode,
        authenticationRequirement: 'singleFactorAuthentication',
        requirementPolicy: null,
        steps: [],
        createdAt: base + offset,
      });
    for (let i = 0; i < SPRAY_MIN_ACCOUNTS; i++) {
      const target = await makeUser(w, { name: 'spraytarget' });
      await row(target.upn, target.id, 50126, i * 1000);
    }
    await row(sprayed.upn, sprayed.id, 0, 20_000);
    await row(noMethod.upn, noMethod.id, 0, 21_000);
    // The same address below the threshold in another tenant raises nothing there.
    w.clock.advance(60_000);
    assert.equal(await runPasswordSprayDetector(w.ctx.db, w.clock.now()), 2);
    assert.equal(await runPasswordSprayDetector(w.ctx.db, w.clock.now()), 0, 'idempotent');
    const risky = await riskyUser(sprayed.id);
    assert.deepEqual([risky.body.riskLevel, risky.body.riskState], ['medium', 'atRisk']);
    const d = await callApi(
      w,
      'GET',
      `${DETECTIONS}?$filter=${encodeURIComponent(`userId eq '${sprayed.id}'`)}`,
      {
        token: security,
      },
    );
    assert.deepEqual([d.body.value[0].riskEventType, d.body.value[0].ipAddress], ['passwordSpray', ip]);
    // Security defaults: a risky sign-in of a non-admin asks for MFA; without a method, no registration (53004).
    const ua = await signIn(w, await startAuthorization(w, 'contoso'), {
      upn: sprayed.upn,
      password: sprayed.password,
    });
    assert.equal(ua.ua.step(), 'second_factor');
    assert.ok(blockedWith(await signInAs(noMethod), 53004));
  });

  it('SPEC §9: password spray counts only failures against existing accounts, and a sign-in that proved MFA is not the spray', async () => {
    const tenantId = w.demo.tenants.contoso!.id;
    const base = w.clock.now();
    const row = (
      ip: string,
      user: MadeUser | { upn: string; id: null },
      errorCode: 0 | 50074 | 50126,
      offset: number,
      extra: { mfa?: boolean; correlationId?: string } = {},
    ) =>
      recordSignIn(w.ctx.db, {
        resourceTenantId: tenantId,
        homeTenantId: user.id ? tenantId : null,
        userId: user.id,
        userPrincipalName: user.upn,
        appId: null,
        ipAddress: ip,
        clientAppUsed: 'Browser',
        isInteractive: true,
        errorCode,
        authenticationRequirement: extra.mfa ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
        requirementPolicy: null,
        steps: [],
        ...(extra.correlationId ? { correlationId: extra.correlationId } : {}),
        createdAt: base + offset,
      });
    // Made-up names from a shared address: no spray, whoever signs in from there after.
    const office = '198.51.100.20';
    for (let i = 0; i < SPRAY_MIN_ACCOUNTS + 5; i++)
      await row(office, { upn: `nobody${i}@contoso.example`, id: null }, 50126, i * 1000);
    const colleague = await makeUser(w, { name: 'colleague' });
    await row(office, colleague, 0, 30_000);
    // A spray of real accounts: the owner who went on to prove MFA is not marked, a password-only success is.
    const spray = '198.51.100.21';
    for (let i = 0; i < SPRAY_MIN_ACCOUNTS; i++)
      await row(spray, await makeUser(w, { name: 'sprayreal' }), 50126, i * 1000);
    const owner = await makeUser(w, { name: 'mfaowner', totp: true });
    await row(spray, owner, 50074, 40_000, { correlationId: 'flow-mfa-owner' });
    await row(spray, owner, 0, 41_000, { mfa: true, correlationId: 'flow-mfa-owner' });
    const victim = await makeUser(w, { name: 'sprayvictim' });
    await row(spray, victim, 0, 42_000, { correlationId: 'flow-victim' });
    w.clock.advance(60_000);
    assert.equal(await runPasswordSprayDetector(w.ctx.db, w.clock.now()), 1);
    assert.equal(await activeUserRisk(w.ctx.db, tenantId, colleague.id), 'none');
    assert.equal(await activeUserRisk(w.ctx.db, tenantId, owner.id), 'none');
    assert.equal(await activeUserRisk(w.ctx.db, tenantId, victim.id), 'medium');
  });

  it('SPEC §9, races settled by the database: two instances importing the same feed raise one detection; a medium and a high detection at once leave the user high', async () => {
    const user = await makeUser(w, { name: 'raced', totp: true });
    const file = feed([`${user.upn},${user.password}`]);
    const now = w.clock.now();
    const [a, b] = await Promise.all([
      importLeakedCredentials(w.ctx.db, file, now),
      importLeakedCredentials(w.ctx.db, file, now),
    ]);
    assert.equal(a.detections + b.detections, 1);
    const other = await makeUser(w, { name: 'both', totp: true });
    const detection = (level: 'medium' | 'high', key: string) =>
      raiseDetection(
        w.ctx.db,
        {
          tenantId: other.tenantId,
          userId: other.id,
          userPrincipalName: other.upn,
          riskEventType: level === 'high' ? 'leakedCredentials' : 'passwordSpray',
          riskLevel: level,
          timing: 'offline',
          activity: 'user',
          activityAt: now,
          dedupeKey: key,
        },
        now,
      );
    await Promise.all([detection('high', 'race:high'), detection('medium', 'race:medium')]);
    assert.equal(await activeUserRisk(w.ctx.db, other.tenantId, other.id), 'high');
  });

  it('SPEC §9: a user who becomes high risk loses their refresh chain, even one proven with MFA', async () => {
    const user = await makeUser(w, { name: 'chain', roles: ['User Administrator'], totp: true });
    const start = await startAuthorization(w, 'contoso');
    const { callback } = await signIn(w, start, {
      upn: user.upn,
      password: user.password,
      totpSeed: user.totpSeed!,
    });
    const tokens = await redeem(start, callback);
    const refreshed = await client.refreshTokenGrant(start.config, tokens.refresh_token!);
    assert.ok(refreshed.access_token);
    await importLeakedCredentials(w.ctx.db, feed([`${user.upn},${user.password}`]), w.clock.now());
    await assert.rejects(
      client.refreshTokenGrant(start.config, refreshed.refresh_token ?? tokens.refresh_token!),
      (e: { error?: string }) => e.error === 'invalid_grant',
    );
  });

  it('SPEC §9, E3: a partner user confirmed compromised loses the refresh chain at a customer’s authority and the dashboard session; high risk at home alone ends the customer chain', async () => {
    const partnerUser = async (name: string) => {
      const user = await makeUser(w, { name, groups: ['AdminAgents'], totp: true });
      await grantGdap(w, 'contoso', 'woodgrove', [user.upn], [USER_ADMIN]);
      const { tokens } = await delegatedSignIn(w, user.upn, 'woodgrove', { seed: user.totpSeed! });
      return { user, tokens };
    };
    const agent = await partnerUser('compromised');
    const { ua } = await dashboardSignIn(w, agent.user.upn, { mfa: true });
    await ua.navigate(`${w.baseUrl}/dashboard`);
    assert.equal(new URL(ua.lastUrl).pathname, '/dashboard');
    const rp = await relyingParty(w, 'woodgrove');
    const refreshed = await client.refreshTokenGrant(rp, agent.tokens.refresh_token!);
    const customerGraph = () => callApi(w, 'GET', '/v1.0/users', { token: refreshed.access_token });
    assert.equal((await customerGraph()).status, 200);

    const confirmed = await callApi(w, 'POST', `${RISKY}/confirmCompromised`, {
      token: security,
      body: { userIds: [agent.user.id] },
    });
    assert.equal(confirmed.status, 204);
    await assert.rejects(
      client.refreshTokenGrant(rp, refreshed.refresh_token ?? agent.tokens.refresh_token!),
      (e: { error?: string }) => e.error === 'invalid_grant',
    );
    await ua.navigate(`${w.baseUrl}/dashboard`);
    assert.notEqual(new URL(ua.lastUrl).pathname, '/dashboard', 'the dashboard session is gone');
    // The access token already issued: refused once the revocation list is read again.
    w.clock.advance(DEFAULT_REFRESH_MS);
    const graphCall = await customerGraph();
    assert.deepEqual([graphCall.status, graphCall.body.error.code], [401, 'InvalidAuthenticationToken']);

    // The customer's authority reads the home user's risk itself: high written without the
    // revocation (an instance of an older release) still ends the chain there.
    const other = await partnerUser('highathome');
    await w.ctx.db
      .insertInto('risky_users')
      .values({
        tenant_id: other.user.tenantId,
        user_id: other.user.id,
        risk_level: 'high',
        risk_state: 'atRisk',
        risk_detail: 'none',
        risk_last_updated_at: w.clock.now(),
      })
      .execute();
    await assert.rejects(
      client.refreshTokenGrant(rp, other.tokens.refresh_token!),
      (e: { error?: string }) => e.error === 'invalid_grant',
    );
  });
});
