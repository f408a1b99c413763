import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GDAP_ROLES } from '../src/delegated-admin/gdap-roles.ts';
import { GLOBAL_ADMINISTRATOR_TEMPLATE_ID } from '../src/delegated-admin/relationship-rules.ts';
import {
  applyEvent,
  createRelationship,
  getRelationship,
  listRelationships,
  updateRelationship,
} from '../src/delegated-admin/relationships.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep } from './support/oidc.ts';
import type { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

/** The partner dashboard's GDAP area over HTTP (SPEC §13, issue 10 item 4): forms, refusals, CSV. */

const DAY_MS = 24 * 3600 * 1000;
const USER_ADMIN = GDAP_ROLES.find((r) => r.displayName === 'User Administrator')!.templateId;
const HELPDESK = GDAP_ROLES.find((r) => r.displayName === 'Helpdesk Administrator')!.templateId;
const GDAP = '/dashboard/customers/gdap';

let w: TestWarden;
let jane: UserAgent;
let contoso: string;
let northwind: { id: string; tenantId: string };
const janeActor = () => ({
  tenantId: contoso,
  userId: w.demo.users['jane@contoso.example']!.id,
  appId: null,
  name: 'jane@contoso.example',
});

before(async () => {
  w = await startWarden();
  contoso = w.demo.tenants.contoso!.id;
  northwind = {
    id: w.demo.customers['northwind.example']!,
    tenantId: w.demo.tenants.northwind!.id,
  };
  jane = (await dashboardSignIn(w, 'jane@contoso.example', { mfa: true })).ua;
});
after(() => w?.stop());

function csrfOf(page: string): string {
  return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
}

/** The hidden fields of the form with this id on the agent's last page. */
function formFields(ua: UserAgent, formId: string): Record<string, string> {
  const form = ua.lastPage.split('<form').find((f) => f.includes(`id="${formId}"`));
  assert.ok(form, `no form ${formId} on the page`);
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[m[1]!] = m[2]!;
  return fields;
}

async function relationshipFor(name: string, roles = [USER_ADMIN], duration = 'P90D') {
  return createRelationship(
    w.ctx.db,
    contoso,
    { displayName: name, duration, roleTemplateIds: roles, customerTenantId: northwind.tenantId },
    w.clock.now(),
    janeActor(),
  );
}

/** Locked by the partner and approved by the customer, as the approval page would. */
async function activeRelationship(name: string, duration = 'P90D') {
  const created = await relationshipFor(name, [USER_ADMIN, HELPDESK], duration);
  await applyEvent(
    w.ctx.db,
    { partnerTenantId: contoso },
    created.id,
    { event: 'lockForApproval', actor: 'partner' },
    w.clock.now(),
  );
  return (await applyEvent(
    w.ctx.db,
    { customerTenantId: northwind.tenantId },
    created.id,
    { event: 'approve', actor: 'customer', approvedBy: 'admin@northwind.example' },
    w.clock.now(),
  ))!;
}

describe('SPEC §13: the partner dashboard GDAP area over HTTP', () => {
  it('Security: a GDAP form without the session CSRF token is refused (403) and creates nothing', async () => {
    await jane.navigate(`${w.baseUrl}${GDAP}/new`);
    assert.equal(jane.lastStatus, 200);
    const form = {
      displayName: 'CSRF probe',
      customerId: northwind.id,
      durationDays: '30',
      [`role-${USER_ADMIN}`]: 'on',
    };
    for (const csrf of ['forged', '']) {
      const refused = await jane.request(`${w.baseUrl}${GDAP}`, { form: { ...form, csrf } });
      assert.equal(refused.status, 403);
    }
    assert.equal(
      (await listRelationships(w.ctx.db, contoso)).filter((r) => r.displayName === 'CSRF probe').length,
      0,
    );

    const created = await jane.request(`${w.baseUrl}${GDAP}`, {
      form: { ...form, csrf: csrfOf(jane.lastPage) },
    });
    assert.equal(created.status, 303, 'POST-redirect-GET');
    const [made] = (await listRelationships(w.ctx.db, contoso)).filter((r) => r.displayName === 'CSRF probe');
    assert.ok(made);
    assert.equal(created.headers.get('location'), `${GDAP}/relationships/${made.id}`);
    assert.equal(made.duration, 'P30D');
    assert.deepEqual(made.roleTemplateIds, [USER_ADMIN]);
    assert.equal(made.customerTenantId, northwind.tenantId);
  });

  it('Security: lock and terminate without the CSRF token are refused and change nothing', async () => {
    const active = await activeRelationship('CSRF terminate probe');
    await jane.navigate(`${w.baseUrl}${GDAP}/relationships/${active.id}`);
    const fields = formFields(jane, 'terminate-relationship');
    const refused = await jane.request(`${w.baseUrl}${GDAP}/relationships/${active.id}/terminate`, {
      form: { ...fields, csrf: 'forged', confirm: 'yes' },
    });
    assert.equal(refused.status, 403);
    assert.equal(
      (await getRelationship(w.ctx.db, { partnerTenantId: contoso }, active.id))!.status,
      'active',
    );
  });

  it('SPEC §13: a form rendered from an older version is refused with precondition_failed (412) and changes nothing', async () => {
    const created = await relationshipFor('Stale form');
    await jane.navigate(`${w.baseUrl}${GDAP}/relationships/${created.id}`);
    const stale = formFields(jane, 'lock-relationship');
    assert.equal(stale.version, String(created.version));
    // Someone else edits it meanwhile (another browser, the Graph API).
    await updateRelationship(
      w.ctx.db,
      contoso,
      created.id,
      { duration: 'P60D' },
      { by: janeActor() },
      w.clock.now(),
    );

    const at = `${w.baseUrl}${GDAP}/relationships/${created.id}/lock`;
    await jane.navigate(at, { form: stale });
    assert.equal(jane.lastStatus, 412);
    assert.match(jane.lastPage, /data-error-code="precondition_failed"/);
    const unchanged = (await getRelationship(w.ctx.db, { partnerTenantId: contoso }, created.id))!;
    assert.equal(unchanged.status, 'created');
    assert.equal(unchanged.duration, 'P60D');

    // The refusal page shows the relationship as it now is: its form locks it.
    const fresh = formFields(jane, 'lock-relationship');
    assert.equal(fresh.version, String(unchanged.version));
    assert.equal((await jane.request(at, { form: fresh })).status, 303);
    assert.equal(
      (await getRelationship(w.ctx.db, { partnerTenantId: contoso }, created.id))!.status,
      'approvalPending',
    );
  });

  it('SPEC §13: a stale assign form on a relationship terminated meanwhile is refused and assigns nothing', async () => {
    const active = await activeRelationship('Stale assign');
    await jane.navigate(`${w.baseUrl}${GDAP}/relationships/${active.id}`);
    const fields = formFields(jane, 'assign-group');
    const group = /<option value="([0-9a-f-]{36})">AdminAgents<\/option>/.exec(jane.lastPage)![1]!;
    await applyEvent(
      w.ctx.db,
      { customerTenantId: northwind.tenantId },
      active.id,
      { event: 'terminate', actor: 'customer' },
      w.clock.now(),
    );
    await jane.navigate(`${w.baseUrl}${GDAP}/relationships/${active.id}/assignments`, {
      form: { ...fields, groupId: group, [`role-${USER_ADMIN}`]: 'on' },
    });
    assert.equal(jane.lastStatus, 412);
    assert.match(jane.lastPage, /data-error-code="precondition_failed"/);
    assert.doesNotMatch(jane.lastPage, /data-assignment=/);
  });

  it('Reference §1.2: the dashboard refuses auto-extension with Global Administrator and a duration over 730 days (400 invalid)', async () => {
    await jane.navigate(`${w.baseUrl}${GDAP}/new`);
    const base = { csrf: csrfOf(jane.lastPage), customerId: northwind.id };
    const cases: [string, Record<string, string>][] = [
      [
        'GA auto-extend',
        { durationDays: '30', autoExtend: 'P180D', [`role-${GLOBAL_ADMINISTRATOR_TEMPLATE_ID}`]: 'on' },
      ],
      ['Too long', { durationDays: '731', [`role-${USER_ADMIN}`]: 'on' }],
      ['Not a number', { durationDays: 'P30D', [`role-${USER_ADMIN}`]: 'on' }],
      ['No roles', { durationDays: '30' }],
    ];
    for (const [displayName, fields] of cases) {
      await jane.navigate(`${w.baseUrl}${GDAP}`, { form: { ...base, displayName, ...fields } });
      assert.equal(jane.lastStatus, 400, displayName);
      assert.match(jane.lastPage, /data-error-code="invalid"/, displayName);
      assert.match(jane.lastPage, new RegExp(`value="${displayName}"`), 'the form keeps what was typed');
    }
    const names = new Set((await listRelationships(w.ctx.db, contoso)).map((r) => r.displayName));
    for (const [displayName] of cases) assert.ok(!names.has(displayName), displayName);
    // The form shown again with Global Administrator ticked has the auto-extension box disabled.
    await jane.navigate(`${w.baseUrl}${GDAP}`, {
      form: { ...base, displayName: 'GA auto-extend', ...cases[0]![1] },
    });
    assert.match(jane.lastPage, /name="autoExtend" value="P180D" data-auto-extend disabled>/);
  });

  it('SPEC §13: a name taken among the partner relationships is refused with conflict (409)', async () => {
    await relationshipFor('Taken name');
    await jane.navigate(`${w.baseUrl}${GDAP}/new`);
    await jane.navigate(`${w.baseUrl}${GDAP}`, {
      form: {
        csrf: csrfOf(jane.lastPage),
        displayName: 'Taken name',
        customerId: northwind.id,
        durationDays: '30',
        [`role-${USER_ADMIN}`]: 'on',
      },
    });
    assert.equal(jane.lastStatus, 409);
    assert.match(jane.lastPage, /data-error-code="conflict"/);
  });

  it('SPEC §13: another partner’s Admin agent does not see the relationship (404) nor its customer page', async () => {
    const mine = await relationshipFor('Contoso only');
    const agent = await makeUser(w, {
      tenant: 'fabrikam',
      name: 'fabagent',
      groups: ['AdminAgents'],
      totp: true,
    });
    const john = (await dashboardSignIn(w, agent.upn, { mfa: true })).ua;
    // Fabrikam asks for no MFA at sign-in: the GDAP area steps the session up first, asking only
    // the code inside the authority's session (issue 15 item 4).
    const at = await john.navigate(`${w.baseUrl}${GDAP}`);
    assert.equal(john.step(), 'second_factor');
    await completeSecondStep(w, john, { at, upn: agent.upn, mfa: true });
    assert.equal(new URL(john.lastUrl).pathname, GDAP);
    assert.match(john.lastPage, /data-testid="mfa-status">MFA verified</);
    await john.navigate(`${w.baseUrl}${GDAP}/relationships/${mine.id}`);
    assert.equal(john.lastStatus, 404);
    await john.navigate(`${w.baseUrl}/dashboard/customers/${northwind.id}/gdap`);
    assert.equal(john.lastStatus, 404);
    await john.navigate(`${w.baseUrl}${GDAP}`);
    assert.equal(john.lastStatus, 200);
    assert.doesNotMatch(john.lastPage, new RegExp(mine.id));
  });

  it('SPEC §13: a customer’s GDAP page lists that customer’s relationships only, linked from its Customers page', async () => {
    const own = await relationshipFor('Northwind page');
    const other = await createRelationship(
      w.ctx.db,
      contoso,
      {
        displayName: 'Adatum page',
        duration: 'P90D',
        roleTemplateIds: [USER_ADMIN],
        customerTenantId: w.demo.tenants.adatum!.id,
      },
      w.clock.now(),
    );
    await jane.navigate(`${w.baseUrl}/commerce/customers/${northwind.id}`);
    assert.match(jane.lastPage, new RegExp(`href="/dashboard/customers/${northwind.id}/gdap"`));
    await jane.navigate(`${w.baseUrl}/dashboard/customers/${northwind.id}/gdap`);
    assert.equal(jane.lastStatus, 200);
    assert.match(jane.lastPage, new RegExp(`data-relationship="${own.id}"`));
    assert.doesNotMatch(jane.lastPage, new RegExp(`data-relationship="${other.id}"`));
    assert.match(jane.lastPage, new RegExp(`href="${GDAP}/new\\?customer=${northwind.id}"`));
    await jane.navigate(`${w.baseUrl}/dashboard/customers/00000000-0000-0000-0000-000000000000/gdap`);
    assert.equal(jane.lastStatus, 404);
  });

  it('SPEC E1: a Sales agent gets 403 on every GDAP page, naming the Admin agents', async () => {
    const sam = (await dashboardSignIn(w, 'sam@contoso.example', { mfa: true })).ua;
    for (const path of [
      GDAP,
      `${GDAP}/new`,
      `${GDAP}/activity`,
      `${GDAP}/activity.csv`,
      `/dashboard/customers/${northwind.id}/gdap`,
    ]) {
      await sam.navigate(`${w.baseUrl}${path}`);
      assert.equal(sam.lastStatus, 403, path);
      assert.match(
        sam.lastPage,
        /data-testid="forbidden-roles">Only these roles may open this page: Admin agent\.</,
        path,
      );
    }
  });

  it('SPEC §13: the GDAP overview filters expiring within 30/7/1 days, expired within a year and pending approval', async () => {
    const in1 = await activeRelationship('Filter 1 day', 'P1D');
    const in7 = await activeRelationship('Filter 7 days', 'P7D');
    const in30 = await activeRelationship('Filter 30 days', 'P30D');
    const later = await activeRelationship('Filter 31 days', 'P31D');
    const pending = await relationshipFor('Filter pending');
    await applyEvent(
      w.ctx.db,
      { partnerTenantId: contoso },
      pending.id,
      { event: 'lockForApproval', actor: 'partner' },
      w.clock.now(),
    );
    const listed = async (filter: string) => {
      await jane.navigate(`${w.baseUrl}${GDAP}?filter=${filter}`);
      assert.equal(jane.lastStatus, 200);
      return [in1, in7, in30, later, pending]
        .filter((r) => jane.lastPage.includes(`data-relationship="${r.id}"`))
        .map((r) => r.displayName);
    };
    assert.deepEqual(await listed('expiring1'), ['Filter 1 day']);
    assert.deepEqual(await listed('expiring7'), ['Filter 1 day', 'Filter 7 days']);
    assert.deepEqual(await listed('expiring30'), ['Filter 1 day', 'Filter 7 days', 'Filter 30 days']);
    assert.deepEqual(await listed('pending'), ['Filter pending']);
    assert.equal((await listed('all')).length, 5);
    assert.deepEqual(await listed('expired'), []);
    // The end passes: the clock's job expires the 1-day one, which then shows as expired within the year.
    w.clock.advance(DAY_MS + 60_000);
    await applyEvent(
      w.ctx.db,
      { partnerTenantId: contoso },
      in1.id,
      { event: 'endReached', actor: 'system' },
      w.clock.now(),
    );
    jane = (await dashboardSignIn(w, 'jane@contoso.example', { mfa: true })).ua;
    assert.deepEqual(await listed('expired'), ['Filter 1 day']);
    assert.deepEqual(await listed('expiring1'), []);
  });

  it('RFC 4180 §2: the activity log exports as text/csv with a header row, quoted fields and formulas neutralised', async () => {
    const names = ['=HYPERLINK("http://evil.example"),x', '+SUM(A1)', '-2+3', '@cmd', 'Plain, with "quotes"'];
    for (const name of names) await relationshipFor(name);
    const response = await jane.request(`${w.baseUrl}${GDAP}/activity.csv`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    assert.match(
      response.headers.get('content-disposition') ?? '',
      /^attachment; filename="gdap-activity\.csv"$/,
    );
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const body = await response.text();
    assert.ok(body.endsWith('\r\n'));
    const lines = body.split('\r\n');
    assert.equal(lines[0], 'Date-Time,Affected customer,Action,Performed by,Relationship');
    const created = (name: string) =>
      lines.find((l) => l.includes('Granular admin relationship created') && l.endsWith(name));
    assert.ok(
      created(`"'=HYPERLINK(""http://evil.example""),x"`),
      'quoted, quotes doubled, apostrophe first',
    );
    assert.ok(created(",'+SUM(A1)"));
    assert.ok(created(",'-2+3"));
    assert.ok(created(",'@cmd"));
    assert.ok(created(',"Plain, with ""quotes"""'));
    const row = created(",'@cmd")!;
    assert.match(
      row,
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,Northwind Traders,Granular admin relationship created,jane@contoso\.example,/,
    );
    // The page shows the same events under Partner Center's columns.
    await jane.navigate(`${w.baseUrl}${GDAP}/activity`);
    assert.equal(jane.lastStatus, 200);
    for (const heading of ['Date-Time', 'Affected customer', 'Action', 'Performed by'])
      assert.match(jane.lastPage, new RegExp(`<th scope="col">${heading}</th>`));
    assert.match(jane.lastPage, /@cmd/);
  });
  it('SPEC §13, reference §1.11: removing DAP for more customers than one removal takes is refused with 400 on the page (not a 500) and removes nothing', async () => {
    await jane.navigate(`${w.baseUrl}/dashboard/customers/dap`);
    const form: Record<string, string> = { csrf: csrfOf(jane.lastPage) };
    for (let i = 0; i < 101; i++) form[`customer:${randomUUID()}`] = 'remove';
    await jane.navigate(`${w.baseUrl}/dashboard/customers/dap/remove`, { form });
    assert.equal(jane.lastStatus, 400);
    assert.match(jane.lastPage, /role="alert">Remove DAP for at most 100 customers at once\./);
  });
});
