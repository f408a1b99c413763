import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser } from '../src/directory/users.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi, userToken } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const JANE = 'jane@contoso.example';
const SAM = 'sam@contoso.example';
const PATH = '/v1.0/reports/authenticationMethods/userRegistrationDetails';

interface Details {
  id: string;
  userPrincipalName: string;
  userType: string;
  isAdmin: boolean;
  isMfaRegistered: boolean;
  isMfaCapable: boolean;
  methodsRegistered: string[];
  defaultMfaMethod: string;
  userPreferredMethodForSecondaryAuthentication: string;
  lastUpdatedDateTime: string;
}

describe('SPEC §11: Graph userRegistrationDetails', () => {
  let w: TestWarden;
  let jane: string;
  let guestId: string;
  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, JANE);
    guestId = (
      await createUser(
        w.ctx.db,
        w.demo.tenants.contoso!.id,
        {
          userPrincipalName: 'ann_partner.example#EXT#@contoso.example',
          displayName: 'Ann Guest',
          userType: 'guest',
        },
        w.clock.now(),
      )
    ).id;
  });
  after(() => w.stop());

  /** Every row of a query, following @odata.nextLink, by UPN. */
  async function upns(query: string, token = jane): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `${PATH}?${query.replace(/ /g, '%20')}`;
    while (next) {
      const response = await callApi(w, 'GET', next, { token });
      assert.equal(response.status, 200, `${query}: ${JSON.stringify(response.body)}`);
      out.push(...response.body.value.map((d: Details) => d.userPrincipalName));
      next = response.body['@odata.nextLink']?.slice(w.baseUrl.length);
    }
    return out.sort();
  }

  it('SPEC §11: per user isAdmin, isMfaRegistered, isMfaCapable, methodsRegistered (Graph names), userType, lastUpdatedDateTime', async () => {
    const response = await callApi(w, 'GET', PATH, { token: jane });
    assert.equal(response.status, 200);
    assert.match(
      response.body['@odata.context'],
      /#reports\/authenticationMethods\/userRegistrationDetails$/,
    );
    const byUpn = new Map<string, Details>(response.body.value.map((d: Details) => [d.userPrincipalName, d]));
    const janeRow = byUpn.get(JANE)!;
    assert.equal(janeRow.id, w.demo.users[JANE]!.id);
    assert.deepEqual(
      { ...janeRow, id: undefined, lastUpdatedDateTime: undefined },
      {
        id: undefined,
        userPrincipalName: JANE,
        userDisplayName: 'Jane Doe',
        userType: 'member',
        isAdmin: true,
        isMfaRegistered: true,
        isMfaCapable: true,
        isPasswordlessCapable: false,
        methodsRegistered: ['softwareOneTimePasscode'],
        defaultMfaMethod: 'softwareOneTimePasscode',
        // Reference §6.3, §3.5: no SSPR and no system-preferred MFA in Warden yet; TOTP is `oath`.
        isSsprRegistered: false,
        isSsprEnabled: false,
        isSsprCapable: false,
        isSystemPreferredAuthenticationMethodEnabled: false,
        systemPreferredAuthenticationMethods: [],
        userPreferredMethodForSecondaryAuthentication: 'oath',
        lastUpdatedDateTime: undefined,
      },
    );
    const sam = byUpn.get(SAM)!;
    assert.equal(sam.isAdmin, false);
    assert.equal(sam.isMfaRegistered, false);
    assert.deepEqual(sam.methodsRegistered, []);
    assert.equal(sam.defaultMfaMethod, 'none');
    assert.equal(sam.userPreferredMethodForSecondaryAuthentication, 'none');
    assert.equal(byUpn.get('ann_partner.example#ext#@contoso.example')?.userType, 'guest');
    assert.ok(!byUpn.has('john@fabrikam.example'), 'tenant-scoped: no Fabrikam user');

    const one = await callApi(w, 'GET', `${PATH}/${sam.id}`, { token: jane });
    assert.equal(one.status, 200);
    assert.match(one.body['@odata.context'], /userRegistrationDetails\/\$entity$/);
    assert.equal(one.body.userPrincipalName, SAM);
    const john = await callApi(w, 'GET', `${PATH}/${w.demo.users['john@fabrikam.example']!.id}`, {
      token: jane,
    });
    assert.equal(john.status, 404);
    assert.equal(john.body.error.code, 'Request_ResourceNotFound');
  });

  it('Graph API: $filter on isAdmin, isMfaRegistered, isMfaCapable, userType and userPrincipalName, joined by and', async () => {
    const contoso = await upns('');
    assert.ok(contoso.length >= 6);
    assert.deepEqual(await upns('$filter=isAdmin eq true'), [
      'bill@contoso.example',
      JANE,
      'sky@contoso.example',
    ]);
    assert.deepEqual(await upns('$filter=isMfaRegistered eq true'), [JANE]);
    assert.deepEqual(await upns('$filter=isMfaCapable eq true'), [JANE]);
    assert.deepEqual(
      await upns('$filter=isMfaRegistered eq false'),
      contoso.filter((u) => u !== JANE),
    );
    assert.deepEqual(await upns('$filter=isAdmin eq true and isMfaRegistered eq false'), [
      'bill@contoso.example',
      'sky@contoso.example',
    ]);
    assert.deepEqual(await upns("$filter=userType eq 'guest'"), ['ann_partner.example#ext#@contoso.example']);
    assert.equal((await upns("$filter=userType eq 'member'")).length, contoso.length - 1);
    assert.deepEqual(await upns("$filter=userPrincipalName eq 'SAM@Contoso.Example'"), [SAM]);
    assert.deepEqual(await upns("$filter=startswith(userPrincipalName,'s')"), [SAM, 'sky@contoso.example']);
  });

  it('reference §6.3: isSsprRegistered, isSsprEnabled, isSsprCapable and isSystemPreferredAuthenticationMethodEnabled filter honestly: eq true finds no one, eq false everyone', async () => {
    const all = await upns('');
    for (const property of [
      'isSsprRegistered',
      'isSsprEnabled',
      'isSsprCapable',
      'isSystemPreferredAuthenticationMethodEnabled',
    ]) {
      assert.deepEqual(await upns(`$filter=${property} eq true`), [], property);
      assert.deepEqual(await upns(`$filter=${property} eq false`), all, property);
    }
  });

  it('Graph API: $select and $top paging: every user exactly once', async () => {
    const all = await upns('');
    const paged = await upns('$top=2&$select=userPrincipalName,isMfaRegistered');
    assert.deepEqual(paged, all);
    const page = await callApi(w, 'GET', `${PATH}?$top=2&$select=userPrincipalName,isMfaRegistered`, {
      token: jane,
    });
    assert.equal(page.body.value.length, 2);
    assert.ok(page.body['@odata.nextLink']);
    for (const row of page.body.value)
      assert.deepEqual(Object.keys(row).sort(), ['isMfaRegistered', 'userPrincipalName']);
  });

  it('SPEC §8: the details change when a user registers an authenticator app', async () => {
    const sam = await makeUser(w, { name: 'sam' });
    const samId = sam.id;
    const before = (await callApi(w, 'GET', `${PATH}/${samId}`, { token: jane })).body as Details;
    assert.equal(before.isMfaRegistered, false);
    w.clock.advance(60_000);
    await userToken(w, sam.upn); // Sam takes the registration offered at sign-in (SPEC §8)
    const after = (await callApi(w, 'GET', `${PATH}/${samId}`, { token: jane })).body as Details;
    assert.equal(after.isMfaRegistered, true);
    assert.equal(after.isMfaCapable, true);
    assert.deepEqual(after.methodsRegistered, ['softwareOneTimePasscode']);
    assert.equal(after.defaultMfaMethod, 'softwareOneTimePasscode');
    assert.ok(Date.parse(after.lastUpdatedDateTime) > Date.parse(before.lastUpdatedDateTime) + 60_000);
    assert.ok((await upns('$filter=isMfaRegistered eq true')).includes(sam.upn));
  });

  it('Entra rules: Sky (Security) and the automation client (AuditLog.Read.All) read; Bill cannot; John without MFA gets 401', async () => {
    for (const token of [await graphToken(w, 'sky@contoso.example'), await graphAppToken(w)]) {
      const response = await callApi(w, 'GET', PATH, { token });
      assert.equal(response.status, 200);
      assert.ok(response.body.value.length >= 6);
    }
    const bill = await callApi(w, 'GET', PATH, { token: await graphToken(w, 'bill@contoso.example') });
    assert.equal(bill.status, 403);
    assert.equal(bill.body.error.code, 'Authorization_RequestDenied');
    const john = await callApi(w, 'GET', PATH, { token: await graphToken(w, 'john@fabrikam.example') });
    assert.equal(john.status, 401);
    assert.equal(john.body.error.code, 'Authentication_MfaRequired');
    assert.ok(guestId);
  });

  it('Graph API: bad queries get Request_UnsupportedQuery', async () => {
    for (const bad of [
      "$filter=isAdmin eq 'yes'",
      "$filter=userType eq 'service'",
      "$filter=methodsRegistered eq 'softwareOneTimePasscode'",
      '$filter=isPasswordlessCapable eq true',
      "$filter=startswith(userDisplayName,'J')",
      '$select=password',
      '$skiptoken=WzFd',
    ]) {
      const response = await callApi(w, 'GET', `${PATH}?${bad.replace(/ /g, '%20')}`, { token: jane });
      assert.equal(response.status, 400, bad);
      assert.equal(response.body.error.code, 'Request_UnsupportedQuery', bad);
    }
  });
});
