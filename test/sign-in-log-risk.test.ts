import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importLeakedCredentials } from '../src/identity-protection/leaked-credentials.ts';
import { authenticationStrengthOf } from '../src/policy/authentication-strength.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { signIn, startAuthorization } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';
import { type MadeUser, makeUser } from './support/users.ts';

interface GraphRow {
  userId: string;
  status: { errorCode: number };
  riskLevelDuringSignIn: string;
  riskLevelAggregated: string;
  riskState: string;
  riskDetail: string;
  riskEventTypes: string[];
  riskEventTypes_v2: string[];
}

describe('Issue 15 items 6 and 1 (reference entra-identity §6.1, §8.2): the sign-in log records the risk and the strength', () => {
  let w: TestWarden;
  let reader: string;
  before(async () => {
    w = await startWarden();
    reader = await graphToken(
      w,
      (await makeUser(w, { name: 'reader', roles: ['Security Administrator'], totp: true })).upn,
    );
  });
  after(() => w.stop());

  const signInAs = async (user: MadeUser) =>
    signIn(w, await startAuthorization(w, 'contoso'), {
      upn: user.upn,
      password: user.password,
      ...(user.totpSeed ? { totpSeed: user.totpSeed } : {}),
    });
  async function rowsOf(userId: string, extra = ''): Promise<GraphRow[]> {
    const filter = encodeURIComponent(`userId eq '${userId}'${extra}`);
    const response = await callApi(w, 'GET', `/v1.0/auditLogs/signIns?$filter=${filter}`, { token: reader });
    assert.equal(response.status, 200);
    return (response.body as { value: GraphRow[] }).value;
  }

  it('a leaked-credential user’s refused sign-in shows high, atRisk and leakedCredentials in Graph, and $filter finds it', async () => {
    const user = await makeUser(w, { name: 'leaked', totp: true });
    const file = join(mkdtempSync(join(tmpdir(), 'warden-signin-risk-')), 'feed.csv');
    writeFileSync(file, `${user.upn},${user.password}\n`);
    assert.equal((await importLeakedCredentials(w.ctx.db, file, w.clock.now())).detections, 1);
    const { ua } = await signInAs(user);
    assert.equal(ua.lastStatus, 403);
    assert.ok(ua.lastPage.includes('AADSTS50135'));

    const [row] = await rowsOf(user.id);
    assert.ok(row);
    assert.equal(row.status.errorCode, 50135);
    assert.equal(row.riskLevelDuringSignIn, 'high');
    assert.equal(row.riskLevelAggregated, 'high');
    assert.equal(row.riskState, 'atRisk');
    assert.equal(row.riskDetail, 'none');
    assert.deepEqual(row.riskEventTypes_v2, ['leakedCredentials']);
    assert.deepEqual(row.riskEventTypes, ['leakedCredentials']);
    assert.equal((await rowsOf(user.id, " and riskLevelDuringSignIn eq 'high'")).length, 1);
    assert.equal((await rowsOf(user.id, " and riskLevelDuringSignIn eq 'none'")).length, 0);

    const stored = await w.ctx.db
      .selectFrom('sign_ins')
      .select(['authentication_strength', 'risk_event_types'])
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.authentication_strength, null, 'a refused sign-in reached no strength');
    assert.equal(stored.risk_event_types, '["leakedCredentials"]');
  });

  it('a normal MFA sign-in records no risk and the strength mfa; a row without the fields answers Graph’s defaults', async () => {
    // An administrator: the policy asks MFA (SPEC §3), so the sign-in proves two factors.
    const user = await makeUser(w, { name: 'normal', roles: ['Global Administrator'], totp: true });
    const { callback } = await signInAs(user);
    assert.ok(callback, 'the sign-in succeeds');
    const stored = await w.ctx.db
      .selectFrom('sign_ins')
      .select(['authentication_strength', 'risk_level_during_sign_in', 'risk_state', 'risk_event_types'])
      .where('user_id', '=', user.id)
      .where('error_code', '=', 0)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      { ...stored },
      {
        authentication_strength: 'mfa',
        risk_level_during_sign_in: 'none',
        risk_state: 'none',
        risk_event_types: '[]',
      },
    );
    const [row] = await rowsOf(user.id, ' and status/errorCode eq 0');
    assert.equal(row?.riskLevelDuringSignIn, 'none');
    const all = await rowsOf(user.id);
    assert.equal((await rowsOf(user.id, " and riskLevelDuringSignIn eq 'none'")).length, all.length);
    assert.equal((await rowsOf(user.id, " and riskLevelDuringSignIn eq 'high'")).length, 0);

    // An old row (written before migration 0031's fields were filled) answers Graph's defaults.
    await w.ctx.db
      .updateTable('sign_ins')
      .set({ risk_level_during_sign_in: null, risk_state: null, risk_event_types: null })
      .where('user_id', '=', user.id)
      .execute();
    const [old] = await rowsOf(user.id, " and riskLevelDuringSignIn eq 'none'");
    assert.equal(old?.riskState, 'none');
    assert.deepEqual(old?.riskEventTypes_v2, []);
  });

  it('authenticationStrengthOf: phishing-resistant with a key-bound factor, mfa with MFA, none with a password only', () => {
    assert.equal(authenticationStrengthOf(['pwd']), null);
    assert.equal(authenticationStrengthOf(['pwd', 'otp', 'mfa']), 'mfa');
    assert.equal(authenticationStrengthOf(['hwk', 'mfa']), 'phishingResistant');
    assert.equal(authenticationStrengthOf(['swk', 'user', 'mfa']), 'phishingResistant');
    assert.equal(authenticationStrengthOf(['hwk']), null, 'a key without MFA proven is no strength');
  });
});
