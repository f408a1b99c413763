import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphAppToken, graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';

const PASSWORD = 'Orchid-Lantern-42';

describe('Graph users (issue 4 item 1)', () => {
  let w: TestWarden;
  let jane: string;
  let app: string;
  before(async () => {
    w = await startWarden();
    jane = await graphToken(w, 'jane@contoso.example');
    app = await graphAppToken(w);
  });
  after(() => w.stop());

  const count = async () =>
    Number(
      (
        await w.ctx.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('issue 4 item 1: a Global Administrator lists the users of her tenant only, in Graph shape', async () => {
    const res = await callApi(w, 'GET', '/v1.0/users', { token: jane });
    assert.equal(res.status, 200);
    assert.equal(res.body['@odata.context'], `${w.baseUrl}/v1.0/$metadata#users`);
    const upns = res.body.value.map((u: { userPrincipalName: string }) => u.userPrincipalName);
    assert.ok(upns.includes('jane@contoso.example'));
    assert.ok(upns.every((u: string) => u.endsWith('@contoso.example')));
    const janeRow = res.body.value.find(
      (u: { userPrincipalName: string }) => u.userPrincipalName === 'jane@contoso.example',
    );
    assert.deepEqual(Object.keys(janeRow).sort(), [
      'accountEnabled',
      'createdDateTime',
      'displayName',
      'givenName',
      'id',
      'surname',
      'userPrincipalName',
      'userType',
    ]);
    assert.equal(janeRow.userType, 'Member');
    assert.match(janeRow.createdDateTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('issue 4 item 1: POST /users creates a member with 201; the duplicate UPN is refused and nothing is written', async () => {
    const before = await count();
    const body = {
      accountEnabled: true,
      displayName: 'Nora New',
      mailNickname: 'nora',
      userPrincipalName: 'nora@contoso.example',
      passwordProfile: { password: PASSWORD, forceChangePasswordNextSignIn: false },
    };
    const created = await callApi(w, 'POST', '/v1.0/users', { token: jane, body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.userPrincipalName, 'nora@contoso.example');
    assert.equal(await count(), before + 1);
    const again = await callApi(w, 'POST', '/v1.0/users', {
      token: jane,
      body: { ...body, userPrincipalName: 'NORA@contoso.example' },
    });
    assert.equal(again.status, 400);
    assert.equal(again.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');
    assert.equal(await count(), before + 1);
    void app;
  });
});
