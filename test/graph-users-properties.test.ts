import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphToken } from './support/graph.ts';
import { filterQuery as filter, graphUserBody as newUser } from './support/graph-users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const PROFILE = {
  mail: 'Ada.Office@Contoso.example',
  businessPhones: ['+1 425 555 0142'],
  jobTitle: 'Chief Cartographer',
  mobilePhone: '+1 425 555 0143',
  officeLocation: 'Building 7/1201',
  preferredLanguage: 'nl-NL',
  usageLocation: 'nl',
};

describe('Graph user resource: the default properties (mail, businessPhones, jobTitle, mobilePhone, officeLocation, preferredLanguage) and usageLocation', () => {
  let w: TestWarden;
  let admin: string;
  before(async () => {
    w = await startWarden();
    const gina = await makeUser(w, { name: 'gina', roles: ['Global Administrator'], totp: true });
    admin = await graphToken(w, gina.upn);
  });
  after(() => w.stop());

  it('Graph user resource: POST sets them, the default answer shows them (usageLocation only on $select), PATCH changes and clears them', async () => {
    const created = await callApi(w, 'POST', '/v1.0/users', { token: admin, body: newUser('ada', PROFILE) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { id } = created.body;
    const got = await callApi(w, 'GET', `/v1.0/users/${id}`, { token: admin });
    assert.equal(got.status, 200);
    assert.equal(got.body.mail, 'ada.office@contoso.example');
    assert.deepEqual(got.body.businessPhones, ['+1 425 555 0142']);
    assert.equal(got.body.jobTitle, 'Chief Cartographer');
    assert.equal(got.body.mobilePhone, '+1 425 555 0143');
    assert.equal(got.body.officeLocation, 'Building 7/1201');
    assert.equal(got.body.preferredLanguage, 'nl-NL');
    assert.equal('usageLocation' in got.body, false, 'Graph returns usageLocation only on $select');
    const selected = await callApi(w, 'GET', `/v1.0/users/${id}?$select=usageLocation,jobTitle`, {
      token: admin,
    });
    assert.deepEqual(Object.keys(selected.body).sort(), ['@odata.context', 'jobTitle', 'usageLocation']);
    assert.equal(selected.body.usageLocation, 'NL');

    const patched = await callApi(w, 'PATCH', `/v1.0/users/${id}`, {
      token: admin,
      body: { jobTitle: null, businessPhones: [], usageLocation: 'BE', officeLocation: 'Annex 2' },
    });
    assert.equal(patched.status, 204, JSON.stringify(patched.body));
    const after = await callApi(
      w,
      'GET',
      `/v1.0/users/${id}?$select=jobTitle,businessPhones,usageLocation,officeLocation,mail`,
      {
        token: admin,
      },
    );
    assert.deepEqual(
      [
        after.body.jobTitle,
        after.body.businessPhones,
        after.body.usageLocation,
        after.body.officeLocation,
        after.body.mail,
      ],
      [null, [], 'BE', 'Annex 2', 'ada.office@contoso.example'],
    );
    const plain = await makeUser(w, { name: 'plain' });
    const unset = await callApi(
      w,
      'GET',
      `/v1.0/users/${plain.id}?$select=mail,businessPhones,usageLocation`,
      {
        token: admin,
      },
    );
    assert.deepEqual(
      [unset.body.mail, unset.body.businessPhones, unset.body.usageLocation],
      [null, [], null],
    );
  });

  it("Graph user resource: values Graph refuses are 400 Request_BadRequest and write nothing (ISO 3166 usageLocation, ISO 639-1 preferredLanguage, one business phone, Graph's lengths, an SMTP mail)", async () => {
    const target = await makeUser(w, { name: 'valid' });
    for (const body of [
      { usageLocation: 'XX' },
      { usageLocation: 'USA' },
      { usageLocation: 'EU' },
      { preferredLanguage: 'english' },
      { preferredLanguage: 'qq-US' },
      { preferredLanguage: 'en-us' },
      { businessPhones: ['+1 1', '+1 2'] },
      { jobTitle: 'x'.repeat(129) },
      { mobilePhone: '1'.repeat(65) },
      { mail: 'not-an-address' },
      { mail: 'two@@contoso.example' },
    ]) {
      const res = await callApi(w, 'PATCH', `/v1.0/users/${target.id}`, { token: admin, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'Request_BadRequest', JSON.stringify(body));
    }
    const still = await callApi(
      w,
      'GET',
      `/v1.0/users/${target.id}?$select=jobTitle,usageLocation,preferredLanguage`,
      {
        token: admin,
      },
    );
    assert.deepEqual(
      [still.body.jobTitle, still.body.usageLocation, still.body.preferredLanguage],
      [null, null, null],
    );
    const refused = await callApi(w, 'POST', '/v1.0/users', {
      token: admin,
      body: newUser('refused', { usageLocation: 'QQ' }),
    });
    assert.equal(refused.status, 400);
    const none = await callApi(
      w,
      'GET',
      `/v1.0/users?$filter=${encodeURIComponent("startswith(userPrincipalName,'refused')")}`,
      {
        token: admin,
      },
    );
    assert.deepEqual(none.body.value, [], 'a refused creation leaves no user behind');
  });

  it('Graph user resource: $filter on mail and jobTitle (eq ignoring case, startswith, eq null) in the tenant only', async () => {
    const chief = await callApi(w, 'POST', '/v1.0/users', {
      token: admin,
      body: newUser('chief', { mail: 'chief.filter@contoso.example', jobTitle: 'Chief Filter Officer' }),
    });
    assert.equal(chief.status, 201);
    const ids = async (expr: string) => {
      const res = await callApi(w, 'GET', `/v1.0/users${filter(expr)}`, { token: admin });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.value as { id: string }[]).map((u) => u.id);
    };
    assert.deepEqual(await ids("mail eq 'CHIEF.FILTER@contoso.example'"), [chief.body.id]);
    assert.deepEqual(await ids("startswith(jobTitle,'chief filter')"), [chief.body.id]);
    assert.deepEqual(await ids("jobTitle eq 'Chief Filter Officer'"), [chief.body.id]);
    assert.ok(!(await ids('jobTitle eq null')).includes(chief.body.id));
    assert.ok((await ids('mail eq null')).length > 0);
  });

  it("Entra: a User Administrator may not change a Global Administrator's job details either (the same authority as any account change)", async () => {
    const ga = await makeUser(w, { name: 'boss', roles: ['Global Administrator'] });
    const ua = await makeUser(w, { name: 'ursula', roles: ['User Administrator'], totp: true });
    const res = await callApi(w, 'PATCH', `/v1.0/users/${ga.id}`, {
      token: await graphToken(w, ua.upn),
      body: { jobTitle: 'Demoted' },
    });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'Authorization_RequestDenied');
  });

  it("Demo data: Jane's Graph profile is filled (job title, phones, office, language, usage location)", async () => {
    const res = await callApi(
      w,
      'GET',
      '/v1.0/users/jane@contoso.example?$select=jobTitle,businessPhones,mobilePhone,officeLocation,preferredLanguage,usageLocation,mail',
      {
        token: admin,
      },
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.usageLocation, 'US');
    assert.equal(res.body.preferredLanguage, 'en-US');
    assert.equal(res.body.businessPhones.length, 1);
    for (const name of ['jobTitle', 'mobilePhone', 'officeLocation', 'mail'])
      assert.equal(typeof res.body[name], 'string', name);
  });
});
