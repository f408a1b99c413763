import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { startAuthorization } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';
import { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

const FIDO2 = '/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/Fido2';
const AAGUID = 'CB69481E-8FF7-4039-93EC-0A2729A154A8';

describe('Reference §3.2, §4.1: the tenant’s passkey rules as Graph’s fido2AuthenticationMethodConfiguration', () => {
  let w: TestWarden;
  let admin: string;
  before(async () => {
    w = await startWarden();
    const ga = await makeUser(w, {
      tenant: 'contoso',
      name: 'fidoadmin',
      roles: ['Global Administrator'],
      totp: true,
    });
    admin = await graphToken(w, ga.upn);
  });
  after(() => w?.stop());

  it('reference §4.1: by default attestation is not enforced, no key restriction applies, and passwordless sign-in is offered', async () => {
    const res = await callApi(w, 'GET', FIDO2, { token: admin });
    assert.equal(res.status, 200);
    const body = res.body as Record<string, unknown>;
    assert.equal(body['@odata.type'], '#microsoft.graph.fido2AuthenticationMethodConfiguration');
    assert.equal(body.id, 'Fido2');
    assert.equal(body.isAttestationEnforced, false);
    assert.deepEqual(body.keyRestrictions, { isEnforced: false, enforcementType: 'block', aaGuids: [] });
    assert.equal(body.isPasswordlessSignInAllowed, true);
  });

  it('reference §4.1: PATCH enforces attestation and a block list (AAGUIDs kept lower-case), audited; turning passwordless off removes the passkey button from the first page', async () => {
    const patch = await callApi(w, 'PATCH', FIDO2, {
      token: admin,
      body: {
        isAttestationEnforced: true,
        keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [AAGUID] },
        isPasswordlessSignInAllowed: false,
      },
    });
    assert.equal(patch.status, 204, JSON.stringify(patch.body));
    const body = (await callApi(w, 'GET', FIDO2, { token: admin })).body as Record<string, unknown>;
    assert.equal(body.isAttestationEnforced, true);
    assert.deepEqual(body.keyRestrictions, {
      isEnforced: true,
      enforcementType: 'block',
      aaGuids: [AAGUID.toLowerCase()],
    });
    assert.equal(body.isPasswordlessSignInAllowed, false);
    const audit = await w.ctx.db
      .selectFrom('audit_events')
      .select(['activity', 'target_type'])
      .where('tenant_id', '=', w.demo.tenants.contoso!.id)
      .where('target_type', '=', 'fido2AuthenticationMethodConfiguration')
      .execute();
    assert.equal(audit.length, 1);
    const ua = new UserAgent();
    await ua.navigate((await startAuthorization(w, 'contoso')).url);
    assert.equal(ua.step(), 'credentials');
    assert.doesNotMatch(ua.lastPage, /data-passkey=/);
    const other = new UserAgent();
    await other.navigate((await startAuthorization(w, 'woodgrove')).url);
    assert.match(other.lastPage, /data-passkey="authenticate"/, 'another tenant keeps its own setting');
  });

  it('reference §4.1: an AAGUID that is not a GUID is refused (400 Request_BadRequest) and changes nothing', async () => {
    const before = (await callApi(w, 'GET', FIDO2, { token: admin })).body;
    const res = await callApi(w, 'PATCH', FIDO2, {
      token: admin,
      body: { keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: ['not-a-guid'] } },
    });
    assert.equal(res.status, 400);
    assert.equal((res.body as { error: { code: string } }).error.code, 'Request_BadRequest');
    assert.deepEqual((await callApi(w, 'GET', FIDO2, { token: admin })).body, before);
  });

  it('reference §4.1: turning a block list into an allow list without naming its AAGUIDs, or enforcing an empty allow list, is refused (400) — either would refuse passkeys at their next sign-in', async () => {
    const before = (await callApi(w, 'GET', FIDO2, { token: admin })).body;
    for (const keyRestrictions of [
      { enforcementType: 'allow' },
      { isEnforced: true, enforcementType: 'allow', aaGuids: [] },
    ]) {
      const res = await callApi(w, 'PATCH', FIDO2, { token: admin, body: { keyRestrictions } });
      assert.equal(res.status, 400, JSON.stringify(keyRestrictions));
      assert.equal((res.body as { error: { code: string } }).error.code, 'Request_BadRequest');
    }
    assert.deepEqual((await callApi(w, 'GET', FIDO2, { token: admin })).body, before);
  });

  it('reference §3.2: a Helpdesk Administrator may not change the passkey rules (403 Authorization_RequestDenied)', async () => {
    const helpdesk = await makeUser(w, {
      tenant: 'contoso',
      name: 'fidohelp',
      roles: ['Helpdesk Administrator'],
      totp: true,
    });
    const res = await callApi(w, 'PATCH', FIDO2, {
      token: await graphToken(w, helpdesk.upn),
      body: { isAttestationEnforced: false },
    });
    assert.equal(res.status, 403);
    assert.equal((res.body as { error: { code: string } }).error.code, 'Authorization_RequestDenied');
  });
});
