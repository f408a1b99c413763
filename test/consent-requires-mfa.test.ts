import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { createApplication } from '../src/directory/applications.ts';
import { setRequireMfaForAllUsers, setSecurityDefaults } from '../src/directory/tenants.ts';
import { listUserConsents, OIDC_SCOPES_RESOURCE } from '../src/directory/user-consents.ts';
import { acrFor } from '../src/policy/acr.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { mfaGraphToken } from './support/gdap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, freshCode, REDIRECT_URI, redeem, relyingParty } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';
import { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

/*
 * SPEC §10 ("The consent itself always requires MFA"), reference §3: consenting to a multi-tenant
 * application published by another organisation needs MFA of the consenting user whatever the
 * tenant's policy, and the consent is recorded with who, what, when and the proof.
 */

const THIRD_PARTY = 'db52c429-7f6d-4fd3-9701-f5a87d263511'; // contoso-consent-tool
const OWN_APP = 'a096e274-c664-4f15-b312-1b2905920847'; // northwind-intranet
const GRAPH_SCOPE = `${GRAPH_API}/Directory.AccessAsUser.All`;
const SCOPE = `openid profile offline_access ${GRAPH_SCOPE}`;

interface Start {
  config: client.Configuration;
  url: string;
  verifier: string;
  state: string;
}

async function authorize(
  w: TestWarden,
  clientId: string,
  extra: Record<string, string> = {},
  scope = SCOPE,
): Promise<Start> {
  const config = await relyingParty(w, 'northwind', clientId);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  return { config, url: url.toString(), verifier, state };
}

async function signInRows(w: TestWarden, userId: string, appId: string) {
  return w.ctx.db
    .selectFrom('sign_ins')
    .select(['error_code', 'requirement_policy', 'authentication_requirement'])
    .where('tenant_id', '=', w.demo.tenants.northwind!.id)
    .where('user_id', '=', userId)
    .where('app_id', '=', appId)
    .orderBy('created_at')
    .execute();
}

describe('SPEC §10: consent to a third-party multi-tenant application requires MFA', () => {
  let w: TestWarden;
  let northwind: string;
  before(async () => {
    w = await startWarden();
    northwind = w.demo.tenants.northwind!.id;
    // A customer tenant whose own policy asks MFA of no one.
    await setSecurityDefaults(w.ctx.db, northwind, false, w.clock.now());
    await setRequireMfaForAllUsers(w.ctx.db, northwind, false);
    // The partner publishes a multi-tenant app; the customer has an app of its own.
    await createApplication(w.ctx.db, w.ctx.secrets, w.demo.tenants.contoso!.id, {
      id: THIRD_PARTY,
      displayName: 'Contoso consent tool',
      clientType: 'public',
      redirectUris: [REDIRECT_URI],
      multiTenant: true,
      allowedScopes: [GRAPH_SCOPE],
    });
    await createApplication(w.ctx.db, w.ctx.secrets, northwind, {
      id: OWN_APP,
      displayName: 'Northwind intranet',
      clientType: 'public',
      redirectUris: [REDIRECT_URI],
      allowedScopes: [GRAPH_SCOPE],
    });
  });
  after(() => w.stop());

  it('SPEC §10: a user with an authenticator is asked for it before the consent page, and the consent is recorded with its proof', async () => {
    const user = await makeUser(w, { tenant: 'northwind', name: 'consenter', totp: true });
    const start = await authorize(w, THIRD_PARTY);
    const ua = new UserAgent();
    await ua.navigate(start.url);
    await ua.submit('password', { username: user.upn, password: user.password });
    assert.equal(ua.step(), 'second_factor');
    await ua.submit('totp', { code: freshCode(w, user.totpSeed!) });
    assert.equal(ua.step(), 'consent');
    assert.match(ua.lastPage, /registered by Contoso/);
    const before = w.clock.now();
    const callback = await ua.submit('consent');
    const after = w.clock.now();
    const tokens = await redeem(start, callback);
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd', 'otp', 'mfa']);

    const records = await listUserConsents(w.ctx.db, northwind, { clientId: THIRD_PARTY, limit: 10 });
    assert.equal(records.length, 2, 'one record per resource: the OIDC scopes and Graph');
    const byResource = new Map(records.map((r) => [r.resource, r]));
    const graph = byResource.get(GRAPH_API)!;
    // As granted; `.default` comes with every resource request and Graph's shape leaves it out.
    assert.deepEqual(graph.scopes, [GRAPH_SCOPE, `${GRAPH_API}/.default`]);
    assert.deepEqual(byResource.get(OIDC_SCOPES_RESOURCE)!.scopes.sort(), [
      'offline_access',
      'openid',
      'profile',
    ]);
    for (const record of records) {
      assert.equal(record.userId, user.id);
      assert.equal(record.accountId, user.id);
      assert.equal(record.homeTenantId, northwind);
      assert.ok(record.consentedAt > before && record.consentedAt < after, 'Warden’s clock at the consent');
      assert.deepEqual(record.proof.amr, ['pwd', 'otp', 'mfa']);
      assert.equal(record.proof.acr, acrFor(['pwd', 'otp', 'mfa']));
      // auth_time of the session: the sign-in just before the consent (seconds).
      assert.ok(Math.abs(record.proof.authTime! - Math.floor(before / 1000)) <= 1);
    }

    // The sign-in log names the policy that asked for MFA: the interrupt (50074), then success.
    const rows = await signInRows(w, user.id, THIRD_PARTY);
    assert.deepEqual(
      rows.map((r) => [r.error_code, r.requirement_policy, r.authentication_requirement]),
      [
        [50074, 'consent:thirdPartyApplication', 'multiFactorAuthentication'],
        [0, 'consent:thirdPartyApplication', 'multiFactorAuthentication'],
      ],
    );
    // The audit log has the consent too, in the customer's log.
    const audit = await w.ctx.db
      .selectFrom('audit_events')
      .select(['activity', 'target_id', 'details'])
      .where('tenant_id', '=', northwind)
      .where('actor_user_id', '=', user.id)
      .execute();
    assert.deepEqual(
      audit.map((a) => [a.activity, a.target_id]),
      [['Consent to application', THIRD_PARTY]],
    );
    assert.deepEqual(JSON.parse(audit[0]!.details).amr, ['pwd', 'otp', 'mfa']);
  });

  it('SPEC §10, §8: a user without any MFA method must register one (no skip) before the consent page', async () => {
    const user = await makeUser(w, { tenant: 'northwind', name: 'unregistered' });
    const start = await authorize(w, THIRD_PARTY);
    const ua = new UserAgent();
    await ua.navigate(start.url);
    const at = await ua.submit('password', { username: user.upn, password: user.password });
    assert.equal(ua.step(), 'register_method', 'registration is required, not offered');
    assert.doesNotMatch(ua.lastPage, /value="skip_registration"/);
    await completeSecondStep(w, ua, { at, upn: user.upn, mfa: true });
    assert.equal(ua.step(), 'consent');
    const tokens = await redeem(start, await ua.submit('consent'));
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd', 'otp', 'mfa']);
    const rows = await signInRows(w, user.id, THIRD_PARTY);
    assert.deepEqual(
      rows.map((r) => [r.error_code, r.requirement_policy]),
      [
        [50079, 'consent:thirdPartyApplication'],
        [0, 'consent:thirdPartyApplication'],
      ],
    );
  });

  it('SPEC §10: a session proven with the password alone (own app) adds MFA (the code only) before a third-party consent', async () => {
    const user = await makeUser(w, { tenant: 'northwind', name: 'reuser', totp: true });
    const ua = new UserAgent();
    // The tenant's own app: no policy asks for MFA, so the password alone signs the user in.
    const own = await authorize(w, OWN_APP);
    await ua.navigate(own.url);
    const ownCallback = await ua.submit('password', { username: user.upn, password: user.password });
    assert.deepEqual(decodeJwt((await redeem(own, ownCallback)).access_token).amr, ['pwd']);
    const ownRows = await signInRows(w, user.id, OWN_APP);
    assert.deepEqual(
      ownRows.map((r) => [r.error_code, r.requirement_policy]),
      [[0, null]],
    );

    // prompt=none cannot carry that session to the third-party app (OIDC Core §3.1.2.6), as no
    // other MFA demand can.
    const silent = await authorize(w, THIRD_PARTY, { prompt: 'none' });
    const silentCallback = new URL(await ua.navigate(silent.url));
    assert.equal(silentCallback.searchParams.get('error'), 'interaction_required');

    // The same browser, the third-party app: the sign-in page again, not the consent page — only
    // the second factor, since the session proved the password (issue 15 item 4).
    const third = await authorize(w, THIRD_PARTY);
    await ua.navigate(third.url);
    assert.equal(ua.step(), 'second_factor');
    await ua.submit('totp', { code: freshCode(w, user.totpSeed!) });
    assert.equal(ua.step(), 'consent');
    const tokens = await redeem(third, await ua.submit('consent'));
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd', 'otp', 'mfa']);
    const [record] = await listUserConsents(w.ctx.db, northwind, {
      clientId: THIRD_PARTY,
      userId: user.id,
      limit: 1,
    });
    assert.deepEqual(record?.proof.amr, ['pwd', 'otp', 'mfa']);
  });

  it('SPEC §10: the consent page is never served, nor consent recorded, for a session without mfa', async () => {
    const user = await makeUser(w, { tenant: 'northwind', name: 'tampered', totp: true });
    const start = await authorize(w, THIRD_PARTY);
    const ua = new UserAgent();
    await ua.navigate(start.url);
    await ua.submit('password', { username: user.upn, password: user.password });
    await ua.submit('totp', { code: freshCode(w, user.totpSeed!) });
    assert.equal(ua.step(), 'consent');
    // Whatever got past the sign-in policy and the login check (here: the stored interaction's
    // session is rewritten to a password-only proof), the consent step itself refuses.
    const uid = new URL(ua.lastUrl).pathname.split('/').pop()!;
    // Rows of oidc-provider's models are keyed by the SHA-256 of their id (src/tokens/oidc-adapter.ts).
    const key = createHash('sha256').update(uid).digest('base64url');
    const stored = await w.ctx.db
      .selectFrom('oidc_payloads')
      .select('payload')
      .where('tenant_id', '=', northwind)
      .where('model', '=', 'Interaction')
      .where('id', '=', key)
      .executeTakeFirstOrThrow();
    const payload = JSON.parse(stored.payload);
    payload.session.amr = ['pwd'];
    await w.ctx.db
      .updateTable('oidc_payloads')
      .set({ payload: JSON.stringify(payload) })
      .where('tenant_id', '=', northwind)
      .where('model', '=', 'Interaction')
      .where('id', '=', key)
      .execute();

    const callback = new URL(await ua.navigate(ua.lastUrl));
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(ua.step(), 'consent', 'no new page was served: the refusal went to the application');
    assert.deepEqual(
      await listUserConsents(w.ctx.db, northwind, { clientId: THIRD_PARTY, userId: user.id, limit: 1 }),
      [],
    );
    const rows = await signInRows(w, user.id, THIRD_PARTY);
    assert.deepEqual(
      { ...rows.at(-1) },
      {
        error_code: 50074,
        requirement_policy: 'consent:thirdPartyApplication',
        authentication_requirement: 'multiFactorAuthentication',
      },
    );
  });

  it('SPEC R1: first-party (operator) and same-tenant apps keep signing in without MFA where the policy allows', async () => {
    const user = await makeUser(w, { tenant: 'northwind', name: 'plain' });
    for (const clientId of ['warden-cli', OWN_APP]) {
      const start = await authorize(w, clientId);
      const ua = new UserAgent();
      await ua.navigate(start.url);
      const callback = await ua.submit('password', { username: user.upn, password: user.password });
      assert.match(callback, /code=/, clientId);
      assert.deepEqual(decodeJwt((await redeem(start, callback)).access_token).amr, ['pwd'], clientId);
      assert.deepEqual(
        (await signInRows(w, user.id, w.demo.clients[clientId]?.clientId ?? clientId)).map(
          (r) => r.requirement_policy,
        ),
        [null],
        clientId,
      );
    }
    assert.deepEqual(await listUserConsents(w.ctx.db, northwind, { userId: user.id, limit: 10 }), []);
  });

  it('Graph oauth2PermissionGrant: the tenant’s consents are listed read-only in Graph’s shape', async () => {
    const user = await makeUser(w, { tenant: 'northwind', name: 'listed', totp: true });
    const start = await authorize(w, THIRD_PARTY);
    const ua = new UserAgent();
    await ua.navigate(start.url);
    await ua.submit('password', { username: user.upn, password: user.password });
    await ua.submit('totp', { code: freshCode(w, user.totpSeed!) });
    await redeem(start, await ua.submit('consent'));

    const ga = await makeUser(w, { tenant: 'northwind', roles: ['Global Administrator'], totp: true });
    const admin = await mfaGraphToken(w, ga.upn);
    const filter = encodeURIComponent(`principalId eq '${user.id}'`);
    const listed = await callApi(w, 'GET', `/v1.0/oauth2PermissionGrants?$filter=${filter}`, {
      token: admin,
    });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const grants = listed.body.value as Record<string, string>[];
    assert.deepEqual(
      grants.map((g) => [g.clientId, g.consentType, g.principalId, g.resourceId, g.scope]).sort(),
      [
        [THIRD_PARTY, 'Principal', user.id, GRAPH_API, 'Directory.AccessAsUser.All'],
        [THIRD_PARTY, 'Principal', user.id, OIDC_SCOPES_RESOURCE, 'openid profile offline_access'],
      ].sort(),
    );
    assert.ok(grants.every((g) => typeof g.id === 'string' && g.id.length > 0));

    // Another tenant's administrator sees none of Northwind's consents.
    const otherGa = await makeUser(w, { tenant: 'adatum', roles: ['Global Administrator'], totp: true });
    const other = await mfaGraphToken(w, otherGa.upn);
    const elsewhere = await callApi(w, 'GET', `/v1.0/oauth2PermissionGrants?$filter=${filter}`, {
      token: other,
    });
    assert.equal(elsewhere.status, 200);
    assert.deepEqual(elsewhere.body.value, []);

    // A user without a role that reads applications is refused.
    const plain = await makeUser(w, { tenant: 'northwind', name: 'nosy', totp: true });
    const refused = await callApi(w, 'GET', '/v1.0/oauth2PermissionGrants', {
      token: await mfaGraphToken(w, plain.upn),
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
  });
});
