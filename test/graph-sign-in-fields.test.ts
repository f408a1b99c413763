import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordSignIn } from '../src/sign-in-logs/sign-in-log.ts';
import { GRAPH_API, PARTNER_API } from '../src/tokens/audiences.ts';
import { GRAPH_SCOPE, graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { redeem, signIn, startAuthorization } from './support/oidc.ts';
import { callApi } from './support/tokens.ts';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36';

describe('reference §8.2: the signIn properties a script reads', () => {
  let w: TestWarden;
  let jane: string;
  let id: string;
  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, 'jane@contoso.example');
    const sam = w.demo.users['sam@contoso.example']!;
    id = await recordSignIn(w.ctx.db, {
      resourceTenantId: sam.tenant,
      homeTenantId: sam.tenant,
      userId: sam.id,
      userPrincipalName: 'sam@contoso.example',
      appId: 'warden-cli',
      ipAddress: '10.1.2.3',
      clientAppUsed: 'Browser',
      isInteractive: true,
      errorCode: 0,
      authenticationRequirement: 'singleFactorAuthentication',
      requirementPolicy: null,
      steps: [],
      correlationId: '5f0e3c2a-1b4d-4e6f-8a9b-0c1d2e3f4a5b',
      resourceId: PARTNER_API,
      userAgent: CHROME,
      createdAt: Date.UTC(2025, 5, 1),
    });
  });
  after(() => w.stop());

  it('reference §8.2: resourceId and resourceDisplayName, deviceDetail from the user agent, userAgent, correlationId; location empty (no geolocation data); conditional access notApplied; risk none', async () => {
    const res = await callApi(w, 'GET', `/v1.0/auditLogs/signIns/${id}`, { token: jane });
    assert.equal(res.status, 200);
    const s = res.body;
    assert.equal(s.resourceId, PARTNER_API);
    assert.equal(s.resourceDisplayName, 'Warden Partner API');
    assert.equal(s.correlationId, '5f0e3c2a-1b4d-4e6f-8a9b-0c1d2e3f4a5b');
    assert.equal(s.userAgent, CHROME);
    assert.equal(s.deviceDetail.browser, 'Chrome 131.0');
    assert.equal(s.deviceDetail.operatingSystem, 'Windows 10');
    assert.equal(s.deviceDetail.isCompliant, false);
    assert.deepEqual(s.location, {
      city: null,
      state: null,
      countryOrRegion: null,
      geoCoordinates: { altitude: null, latitude: null, longitude: null },
    });
    assert.equal(s.conditionalAccessStatus, 'notApplied');
    assert.deepEqual(s.appliedConditionalAccessPolicies, []);
    assert.deepEqual(
      [s.riskDetail, s.riskLevelAggregated, s.riskLevelDuringSignIn, s.riskState],
      ['none', 'none', 'none', 'none'],
    );
    assert.deepEqual([s.riskEventTypes, s.riskEventTypes_v2], [[], []]);
    assert.equal(s.status.additionalDetails, null, 'a success with one factor has nothing to add');
    const filtered = await callApi(
      w,
      'GET',
      `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`resourceId eq '${PARTNER_API}'`)}&$select=id,resourceId`,
      { token: jane },
    );
    assert.equal(filtered.status, 200);
    assert.ok(filtered.body.value.some((r: { id: string }) => r.id === id));
    assert.ok(filtered.body.value.every((r: { resourceId: string }) => r.resourceId === PARTNER_API));
  });

  it('reference §8.2: a real interactive sign-in records the resource its scopes asked for, the user agent, and where its MFA came from', async () => {
    const res = await callApi(
      w,
      'GET',
      `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent("userPrincipalName eq 'jane@contoso.example' and status/errorCode eq 0")}&$top=1`,
      { token: jane },
    );
    const [latest] = res.body.value;
    assert.equal(latest.isInteractive, true);
    assert.equal(latest.resourceId, GRAPH_API);
    assert.equal(latest.resourceDisplayName, 'Warden Graph API');
    assert.equal(typeof latest.userAgent, 'string');
    assert.equal(
      latest.status.additionalDetails,
      'MFA requirement satisfied by a second factor in this sign-in',
    );
  });

  it('reference §8.2: a refresh-token redemption (non-interactive) records the resource it was for and the user agent', async () => {
    const start = await startAuthorization(w, 'contoso', { scope: GRAPH_SCOPE });
    const { callback } = await signIn(w, start, {
      upn: 'jane@contoso.example',
      totpSeed: w.demo.users['jane@contoso.example']!.totpSeed!,
    });
    const tokens = await redeem(start, callback);
    const response = await fetch(`${w.baseUrl}/contoso.example/oauth2/v2.0/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'warden-test-refresh/1.0',
      },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: start.config.clientMetadata().client_id,
        refresh_token: tokens.refresh_token!,
        scope: `${GRAPH_API}/.default`,
      }),
    });
    assert.equal(response.status, 200);
    const res = await callApi(
      w,
      'GET',
      `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent("userPrincipalName eq 'jane@contoso.example' and status/errorCode eq 0")}&$top=1`,
      { token: jane },
    );
    const [latest] = res.body.value;
    assert.equal(latest.isInteractive, false);
    assert.equal(latest.resourceId, GRAPH_API);
    assert.equal(latest.userAgent, 'warden-test-refresh/1.0');
  });
});
