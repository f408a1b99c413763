import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { listAuditEvents } from '../src/audit/audit-events.ts';
import { GDAP_ROLES } from '../src/delegated-admin/gdap-roles.ts';
import { grantGdap, graph } from './support/aobo.ts';
import {
  clientCredentialsAt,
  consentsApi,
  GRAPH_APP_ID,
  SAM_APP,
  samConsent,
  samUserToken,
} from './support/application-consents.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, sign, userClaims, userToken } from './support/tokens.ts';

const role = (name: string) => GDAP_ROLES.find((r) => r.displayName === name)!.templateId;
const CLOUD_APP_ADMIN = role('Cloud Application Administrator');
const APP_ADMIN = role('Application Administrator');

describe('Reference §3.3: Partner Center’s application-consent API (CPV) puts a partner’s multi-tenant app into a customer tenant', () => {
  let w: TestWarden;
  let jane: string;
  const customer = (domain: string) => w.demo.customers[domain]!;
  const servicePrincipals = (tenantKey: string) =>
    w.ctx.db
      .selectFrom('service_principals')
      .selectAll()
      .where('tenant_id', '=', w.demo.tenants[tenantKey]!.id)
      .execute();
  /** A SAM App+User token of a Contoso user, as Warden would sign it (amr and appid adjustable). */
  const forged = (upn: string, overrides: Record<string, unknown> = {}) =>
    sign(w, userClaims(w, upn, { appid: SAM_APP, azp: SAM_APP, ...overrides }));

  before(async () => {
    w = await startWarden();
    jane = await samUserToken(w, 'jane@contoso.example');
  });
  after(() => w.stop());

  it('reference §3.3, §1.10: a customer with no active relationship giving the caller a role is refused (403 role_required); another partner’s customer is not found (404)', async () => {
    // Adatum: a Contoso customer with a GDAP request still pending and no DAP.
    const adatum = await consentsApi(w, jane, customer('adatum.example')).create(samConsent());
    assert.equal(adatum.status, 403);
    assert.equal(adatum.body.wardenCode, 'role_required');
    assert.ok(adatum.body.data.includes(CLOUD_APP_ADMIN));
    const proseware = await consentsApi(w, jane, customer('proseware.example')).create(samConsent());
    assert.equal(proseware.status, 404);
    assert.equal(proseware.body.wardenCode, 'not_found');
    assert.equal((await servicePrincipals('adatum')).length, 0);
  });

  it('reference §3.3: with GDAP Cloud Application Administrator, POST consents the app (201 with the consent), GET lists it, a repeat is 200 with the consent as it is', async () => {
    await grantGdap(w, 'contoso', 'adatum', ['jane@contoso.example'], [CLOUD_APP_ADMIN]);
    const api = consentsApi(w, jane, customer('adatum.example'));
    const created = await api.create({
      ...samConsent('User.Read.All, Directory.AccessAsUser.All'),
      displayName: 'Contoso SAM',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.applicationId, SAM_APP);
    assert.equal(created.body.displayName, 'Contoso SAM');
    assert.equal(created.body.customerId, customer('adatum.example'));
    assert.deepEqual(created.body.applicationGrants, [
      { enterpriseApplicationId: GRAPH_APP_ID, scope: 'User.Read.All,Directory.AccessAsUser.All' },
    ]);
    assert.equal(created.body.consentedBy, 'jane@contoso.example');
    assert.equal(created.body.attributes.objectType, 'ApplicationConsent');
    assert.ok(created.headers.get('location')?.endsWith(`/applicationconsents/${SAM_APP}`));

    const list = await api.list();
    assert.equal(list.status, 200);
    assert.equal(list.body.attributes.objectType, 'Collection');
    assert.deepEqual(
      list.body.items.map((c: { applicationId: string }) => c.applicationId),
      [SAM_APP],
    );

    // Idempotent: other grants in the repeat change nothing (the consent stands as it was).
    w.clock.advance(60_000);
    const again = await api.create(samConsent('Directory.ReadWrite.All', 'urn:warden:graph'));
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, created.body);
    const rows = await servicePrincipals('adatum');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.app_tenant_id, w.demo.tenants.contoso!.id);
    assert.equal(rows[0]!.consented_by_user_id, w.demo.users['jane@contoso.example']!.id);
  });

  it('reference §3.3: the consent is audited in the customer’s and the partner’s logs', async () => {
    for (const key of ['adatum', 'contoso']) {
      const events = await listAuditEvents(w.ctx.db, w.demo.tenants[key]!.id, {
        category: 'ApplicationManagement',
        targetId: SAM_APP,
      });
      const consents = events.filter((e) => e.activity === 'Consent to application');
      assert.ok(consents.length >= 1, key);
      assert.equal(consents[0]!.actor.name, 'jane@contoso.example');
    }
  });

  it('RFC 6749 §4.4 at the customer’s authority: the app’s app-only token has tid = customer and roles = the consented app roles, and that customer’s Graph accepts it for what they allow', async () => {
    const answer = await clientCredentialsAt(w, 'adatum');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const claims = decodeJwt(answer.body.access_token);
    assert.equal(claims.tid, w.demo.tenants.adatum!.id);
    assert.equal(claims.idtyp, 'app');
    assert.equal(claims.appid, SAM_APP);
    assert.deepEqual(claims.roles, ['User.Read.All'], 'delegated scopes are not app roles');

    const users = await graph(w, answer.body.access_token, 'GET', '/users');
    assert.equal(users.status, 200, JSON.stringify(users.body));
    assert.ok(users.body.value.length > 0);
    assert.ok(
      users.body.value.every((u: { userPrincipalName: string }) =>
        u.userPrincipalName.endsWith('@adatum.example'),
      ),
    );
    // User.Read.All reads users, and nothing else: groups need Group.Read.All or Directory.Read.All.
    const groups = await graph(w, answer.body.access_token, 'GET', '/groups');
    assert.equal(groups.status, 403);
    assert.equal(groups.body.error.code, 'Authorization_RequestDenied');

    // At its home tenant the app keeps its own granted roles (none): the consent changes nothing there.
    const home = await clientCredentialsAt(w, 'contoso');
    assert.equal(home.status, 200);
    assert.deepEqual(decodeJwt(home.body.access_token).roles, []);
    // Where no service principal exists, the app is not a client for app-only tokens.
    const northwind = await clientCredentialsAt(w, 'northwind');
    assert.equal(northwind.status, 401);
    assert.equal(northwind.body.error, 'invalid_client');
  });

  it('reference §3.3: DELETE removes the consent (204, audited in both logs); new client-credentials tokens at the customer are refused; a second DELETE is 404', async () => {
    const api = consentsApi(w, jane, customer('adatum.example'));
    const removed = await api.remove(SAM_APP);
    assert.equal(removed.status, 204);
    assert.deepEqual((await api.list()).body.items, []);
    assert.equal((await servicePrincipals('adatum')).length, 0);
    const grants = await w.ctx.db
      .selectFrom('service_principal_grants')
      .selectAll()
      .where('tenant_id', '=', w.demo.tenants.adatum!.id)
      .execute();
    assert.equal(grants.length, 0);
    const refused = await clientCredentialsAt(w, 'adatum');
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
    const twice = await api.remove(SAM_APP);
    assert.equal(twice.status, 404);
    assert.equal(twice.body.wardenCode, 'not_found');
    for (const key of ['adatum', 'contoso']) {
      const events = await listAuditEvents(w.ctx.db, w.demo.tenants[key]!.id, { targetId: SAM_APP });
      assert.ok(
        events.some((e) => e.activity === 'Remove service principal'),
        key,
      );
    }
  });

  it('database unique key: concurrent POSTs of the same consent leave one service principal, one 201 and the rest 200', async () => {
    const api = consentsApi(w, jane, customer('adatum.example'));
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => api.create(samConsent('User.Read.All'))),
    );
    assert.deepEqual(
      answers.map((a) => a.status).sort(),
      [200, 200, 200, 200, 200, 201],
      JSON.stringify(answers.map((a) => a.body)),
    );
    assert.equal((await servicePrincipals('adatum')).length, 1);
    const events = await listAuditEvents(w.ctx.db, w.demo.tenants.adatum!.id, { targetId: SAM_APP });
    const since = events.filter((e) => e.activity === 'Consent to application');
    assert.equal(since.length, 2, 'one consent before the removal, one now');
    assert.equal((await api.remove(SAM_APP)).status, 204);
  });

  it('reference §3.3: unknown permissions or resources are 400 with their own codes; nothing is written', async () => {
    const api = consentsApi(w, jane, customer('adatum.example'));
    const scope = await api.create(samConsent('User.Read.All,Mail.Send'));
    assert.equal(scope.status, 400);
    assert.equal(scope.body.wardenCode, 'unknown_permission');
    assert.deepEqual(scope.body.data, [{ resource: 'urn:warden:graph', names: ['Mail.Send'] }]);
    const defaultScope = await api.create(samConsent('.default'));
    assert.equal(defaultScope.body.wardenCode, 'unknown_permission');
    const resource = await api.create(samConsent('User.Read.All', 'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd'));
    assert.equal(resource.status, 400);
    assert.equal(resource.body.wardenCode, 'unknown_resource');
    const empty = await api.create(samConsent(' , '));
    assert.equal(empty.status, 400);
    assert.equal(empty.body.wardenCode, 'invalid_request');
    const noGrants = await api.create({ applicationId: SAM_APP, applicationGrants: [] });
    assert.equal(noGrants.status, 400);
    assert.equal(noGrants.body.wardenCode, 'invalid_request');
    assert.equal((await servicePrincipals('adatum')).length, 0);
  });

  it('reference §3.3: applicationId must be the token’s own app and a multi-tenant app of the partner', async () => {
    const api = (token: string) => consentsApi(w, token, customer('adatum.example'));
    // Jane through warden-cli (appid warden-cli) cannot consent contoso-sam.
    const viaCli = await userToken(w, 'jane@contoso.example');
    const mismatch = await api(viaCli).create(samConsent());
    assert.equal(mismatch.status, 403);
    assert.equal(mismatch.body.wardenCode, 'application_id_mismatch');
    const other = await api(jane).create({
      ...samConsent(),
      applicationId: w.demo.clients['contoso-automation']!.clientId,
    });
    assert.equal(other.status, 403);
    assert.equal(other.body.wardenCode, 'application_id_mismatch');
    // contoso-automation is single-tenant: not consentable into a customer, even by itself.
    const single = await api(
      await forged('jane@contoso.example', { appid: w.demo.clients['contoso-automation']!.clientId }),
    ).create({
      ...samConsent(),
      applicationId: w.demo.clients['contoso-automation']!.clientId,
    });
    assert.equal(single.status, 400);
    assert.equal(single.body.wardenCode, 'application_not_consentable');
    assert.equal((await servicePrincipals('adatum')).length, 0);
  });

  it('reference §3.3, §3.5: app-only tokens are refused (403 app_only_not_allowed) and an App+User token without mfa is 401 mfa_required', async () => {
    const appOnly = await appOnlyToken(w);
    for (const call of [
      (t: string) => consentsApi(w, t, customer('adatum.example')).create(samConsent()),
      (t: string) => consentsApi(w, t, customer('adatum.example')).list(),
      (t: string) => consentsApi(w, t, customer('adatum.example')).remove(SAM_APP),
    ]) {
      const refused = await call(appOnly);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.wardenCode, 'app_only_not_allowed');
      const noMfa = await call(await forged('jane@contoso.example', { amr: ['pwd'] }));
      assert.equal(noMfa.status, 401);
      assert.equal(noMfa.body.wardenCode, 'mfa_required');
    }
  });

  it('reference §3.3: the GDAP roles are Global, Application or Cloud Application Administrator — a Helpdesk-only assignment is refused (403 delegated_role_required); AdminAgents is needed as well', async () => {
    // Northwind: DAP would make Jane (AdminAgents) a Global Administrator; a GDAP Helpdesk
    // assignment wins over DAP (reference §1.10) and does not allow consent.
    await grantGdap(w, 'contoso', 'northwind', ['jane@contoso.example'], [role('Helpdesk Administrator')]);
    const helpdesk = await consentsApi(w, jane, customer('northwind.example')).create(samConsent());
    assert.equal(helpdesk.status, 403);
    assert.equal(helpdesk.body.wardenCode, 'delegated_role_required');
    assert.deepEqual(
      [...helpdesk.body.data].sort(),
      [role('Global Administrator'), APP_ADMIN, CLOUD_APP_ADMIN].sort(),
    );
    // Hal (HelpdeskAgents, not AdminAgents) with a GDAP Application Administrator assignment.
    await grantGdap(w, 'contoso', 'woodgrove', ['hal@contoso.example'], [APP_ADMIN]);
    const hal = await consentsApi(
      w,
      await forged('hal@contoso.example'),
      customer('woodgrove.example'),
    ).create(samConsent());
    assert.equal(hal.status, 403);
    assert.equal(hal.body.wardenCode, 'role_required');
    assert.deepEqual(hal.body.data, ['AdminAgents']);
    assert.equal((await servicePrincipals('northwind')).length, 0);
  });

  it('reference §3.3 (demo): Jane’s consent of contoso-sam into Woodgrove is listed to her (GDAP Global Reader reads it) and gives app-only Graph roles there, while she may not change it', async () => {
    const api = consentsApi(w, jane, customer('woodgrove.example'));
    const list = await api.list();
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const [consent] = list.body.items;
    assert.equal(consent.applicationId, SAM_APP);
    assert.equal(consent.consentedBy, 'jane@contoso.example');
    assert.deepEqual(consent.applicationGrants, [
      { enterpriseApplicationId: GRAPH_APP_ID, scope: 'User.Read.All,Directory.Read.All' },
    ]);
    const token = await clientCredentialsAt(w, 'woodgrove');
    assert.deepEqual(decodeJwt(token.body.access_token).roles, ['User.Read.All', 'Directory.Read.All']);
    const groups = await graph(w, token.body.access_token, 'GET', '/groups');
    assert.equal(groups.status, 200, 'Directory.Read.All reads groups');
    const remove = await api.remove(SAM_APP);
    assert.equal(remove.status, 403);
    assert.equal(remove.body.wardenCode, 'delegated_role_required');
  });
});
