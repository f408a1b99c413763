import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listAuditEvents } from '../src/audit/audit-events.ts';
import { adminSignIn, csrfOf } from './support/admin-center.ts';
import { grantGdap } from './support/aobo.ts';
import {
  clientCredentialsAt,
  consentsApi,
  SAM_APP,
  samConsent,
  samUserToken,
} from './support/application-consents.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import type { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

const LIST = '/admin/partners';
const REMOVE = `${LIST}/applications/${SAM_APP}/remove`;
const CLOUD_APP_ADMIN = '158c047a-c907-4556-b7ef-446551a6b5f7';

describe('Reference §3.3: the customer’s Partner relationships page lists the applications its partners consented and removes them', () => {
  let w: TestWarden;
  let wanda: UserAgent;
  const servicePrincipal = (tenantKey: string) =>
    w.ctx.db
      .selectFrom('service_principals')
      .selectAll()
      .where('tenant_id', '=', w.demo.tenants[tenantKey]!.id)
      .where('app_id', '=', SAM_APP)
      .executeTakeFirst();

  before(async () => {
    w = await startWarden();
    wanda = await adminSignIn(w, 'admin@woodgrove.example', LIST);
  });
  after(() => w.stop());

  it('reference §3.3 (demo): Woodgrove’s page shows, under Contoso, contoso-sam with its Graph permissions, who consented and a Remove form', async () => {
    await wanda.navigate(`${w.baseUrl}${LIST}`);
    assert.equal(wanda.lastStatus, 200);
    const page = wanda.lastPage;
    const section = page.slice(page.indexOf(`data-partner="${w.demo.tenants.contoso!.id}"`));
    assert.ok(section.length < page.length, 'a section for Contoso');
    assert.match(section, /<h3>Contoso<\/h3>/);
    const fromRow = section.slice(section.indexOf(`data-app="${SAM_APP}"`));
    const row = fromRow.slice(0, fromRow.indexOf('</tr>'));
    assert.match(row, /data-testid="app-name">Contoso partner automation \(SAM\)</);
    assert.match(row, /data-scope="User.Read.All"/);
    assert.match(row, /data-scope="Directory.Read.All"/);
    assert.match(row, /data-testid="consented-by">jane@contoso.example</);
    assert.ok(row.includes(`action="${REMOVE}"`));
    assert.match(row, /name="csrf" value="[^"]+"/);
  });

  it('STYLE 2: removing needs the page’s CSRF token and the Global Administrator role; refused requests change nothing', async () => {
    const forged = await wanda.request(`${w.baseUrl}${REMOVE}`, { form: { csrf: 'not-the-token' } });
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /data-testid="csrf-refused"/);
    assert.ok(await servicePrincipal('woodgrove'));

    const reader = await makeUser(w, { tenant: 'woodgrove', name: 'reader', totp: true });
    const ua = await adminSignIn(w, reader.upn, LIST);
    assert.equal(ua.lastStatus, 403, 'not a Global Administrator');
    const refused = await ua.request(`${w.baseUrl}${REMOVE}`, { form: { csrf: 'x' } });
    assert.equal(refused.status, 403);
    assert.ok(await servicePrincipal('woodgrove'));
  });

  it('reference §3.3: Remove deletes the service principal, is audited in Woodgrove’s and Contoso’s logs, and the app gets no more app-only tokens at Woodgrove', async () => {
    assert.equal((await clientCredentialsAt(w, 'woodgrove')).status, 200);
    await wanda.navigate(`${w.baseUrl}${LIST}`);
    const landed = await wanda.navigate(`${w.baseUrl}${REMOVE}`, { form: { csrf: csrfOf(wanda) } });
    assert.equal(new URL(landed).pathname, LIST);
    assert.equal(wanda.lastStatus, 200);
    assert.match(wanda.lastPage, /data-testid="no-consented-apps"/);
    assert.equal(await servicePrincipal('woodgrove'), undefined);

    for (const key of ['woodgrove', 'contoso']) {
      const [event] = await listAuditEvents(w.ctx.db, w.demo.tenants[key]!.id, {
        category: 'ApplicationManagement',
        targetId: SAM_APP,
      });
      assert.equal(event?.activity, 'Remove service principal', key);
      assert.equal(event?.actor.name, 'admin@woodgrove.example');
      assert.equal(event?.actor.tenantId, w.demo.tenants.woodgrove!.id);
    }
    const refused = await clientCredentialsAt(w, 'woodgrove');
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');

    const again = await wanda.request(`${w.baseUrl}${REMOVE}`, { form: { csrf: csrfOf(wanda) } });
    assert.equal(again.status, 404);
  });

  it('reference §3.3: a consent made through the Partner API appears on the page; the customer removes only its own tenant’s', async () => {
    await grantGdap(w, 'contoso', 'woodgrove', ['jane@contoso.example'], [CLOUD_APP_ADMIN]);
    await grantGdap(w, 'contoso', 'adatum', ['jane@contoso.example'], [CLOUD_APP_ADMIN]);
    const jane = await samUserToken(w, 'jane@contoso.example');
    for (const domain of ['woodgrove.example', 'adatum.example'])
      assert.equal((await consentsApi(w, jane, w.demo.customers[domain]!).create(samConsent())).status, 201);
    await wanda.navigate(`${w.baseUrl}${LIST}`);
    assert.ok(wanda.lastPage.includes(`data-app="${SAM_APP}"`));
    await wanda.navigate(`${w.baseUrl}${REMOVE}`, { form: { csrf: csrfOf(wanda) } });
    assert.equal(await servicePrincipal('woodgrove'), undefined);
    assert.ok(await servicePrincipal('adatum'), 'Adatum’s consent is Adatum’s to remove');
  });
});
