import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getUser } from '../src/directory/users.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { graphAppToken, graphToken } from './support/graph.ts';
import {
  filterQuery as filter,
  listGraphUsers,
  graphUserBody as newUser,
  RESET_PASSWORD as RESET,
  rowCount,
} from './support/graph-users.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { appOnlyToken, callApi } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

describe('Graph API: who may read and change which user', () => {
  let w: TestWarden;
  let admin: string;
  let security: string;
  let billing: string;
  let app: string;
  const contoso = () => w.demo.tenants.contoso!.id;

  before(async () => {
    w = await startWarden();
    const token = async (role: 'Global Administrator' | 'Security Administrator' | 'Billing Administrator') =>
      graphToken(w, (await makeUser(w, { roles: [role], totp: true })).upn);
    admin = await token('Global Administrator');
    security = await token('Security Administrator');
    billing = await token('Billing Administrator');
    app = await graphAppToken(w);
  });
  after(() => w.stop());

  const refused = (res: { status: number; body: { error?: { code: string } } }, why: string) => {
    assert.equal(res.status, 403, `${why}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error?.code, 'Authorization_RequestDenied', why);
  };

  it('Entra rules: Security Admin and app-only User.Read.All read but cannot write; Billing Admin cannot read (403 naming the roles)', async () => {
    const target = await makeUser(w, { name: 'target', givenName: 'Tara', surname: 'Target' });
    for (const token of [security, app]) {
      assert.equal((await callApi(w, 'GET', '/v1.0/users', { token })).status, 200);
      assert.equal((await callApi(w, 'GET', `/v1.0/users/${target.id}`, { token })).status, 200);
      const before = await rowCount(w, 'users');
      const writes = [
        await callApi(w, 'POST', '/v1.0/users', { token, body: newUser('denied') }),
        await callApi(w, 'PATCH', `/v1.0/users/${target.id}`, { token, body: { displayName: 'Nope' } }),
        await callApi(w, 'DELETE', `/v1.0/users/${target.id}`, { token }),
      ];
      for (const res of writes) {
        assert.equal(res.status, 403);
        assert.equal(res.body.error.code, 'Authorization_RequestDenied');
      }
      assert.equal(await rowCount(w, 'users'), before);
    }
    const billRead = await callApi(w, 'GET', '/v1.0/users', { token: billing });
    assert.equal(billRead.status, 403);
    assert.match(billRead.body.error.message, /Global Administrator, User Administrator/);
    assert.equal((await getUser(w.ctx.db, contoso(), target.id))?.displayName, 'Tara Target');
  });

  it('SPEC §5: a Fabrikam admin agent (no MFA policy, token without mfa) gets 401 Authentication_MfaRequired with the RFC 9470 challenge', async () => {
    const agent = await makeUser(w, { tenant: 'fabrikam', groups: ['AdminAgents'] });
    const token = await graphToken(w, agent.upn);
    const res = await callApi(w, 'GET', '/v1.0/users', { token });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'Authentication_MfaRequired');
    assert.match(
      res.headers.get('www-authenticate') ?? '',
      /error="insufficient_user_authentication".*acr_values=/,
    );
  });

  it("STYLE 5: tenant scoping: Contoso's administrator cannot read, change or delete a Fabrikam user by id or UPN (404)", async () => {
    const stranger = await makeUser(w, { tenant: 'fabrikam' });
    const before = await getUser(w.ctx.db, stranger.tenantId, stranger.id);
    for (const [method, path, body] of [
      ['GET', `/v1.0/users/${stranger.id}`, undefined],
      ['GET', `/v1.0/users/${stranger.upn}`, undefined],
      ['PATCH', `/v1.0/users/${stranger.id}`, { accountEnabled: false }],
      ['DELETE', `/v1.0/users/${stranger.id}`, undefined],
      ['POST', `/v1.0/users/${stranger.id}/${RESET}`, {}],
    ] as const) {
      const res = await callApi(w, method, path, { token: admin, ...(body ? { body } : {}) });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, 'Request_ResourceNotFound');
    }
    assert.deepEqual(await getUser(w.ctx.db, stranger.tenantId, stranger.id), before);
    assert.deepEqual(await listGraphUsers(w, filter(`id eq '${stranger.id}'`), admin), []);
  });

  describe('Entra rules: authority over privileged users', () => {
    let userAdmin: string;
    let writer: string;
    before(async () => {
      userAdmin = await graphToken(w, (await makeUser(w, { roles: ['User Administrator'], totp: true })).upn);
      const registered = await callApi(w, 'POST', '/v1.0/applications', {
        token: admin,
        body: {
          displayName: 'user writer',
          requiredResourceAccess: [
            { resourceAppId: GRAPH_API, resourceAccess: [{ id: 'User.ReadWrite.All', type: 'Role' }] },
          ],
        },
      });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const appId = registered.body.appId as string;
      const secret = await callApi(w, 'POST', `/v1.0/applications/${registered.body.id}/addPassword`, {
        token: admin,
        body: { passwordCredential: {} },
      });
      writer = await appOnlyToken(w, appId, secret.body.secretText, 'contoso', `${GRAPH_API}/.default`);
    });

    it('SPEC §1: only a Global Administrator resets, disables, changes or deletes a partner agent (a SalesAgents member); an application never', async () => {
      const agent = (await makeUser(w, { name: 'agent', groups: ['SalesAgents'] })).id;
      const before = await getUser(w.ctx.db, contoso(), agent);
      refused(
        await callApi(w, 'POST', `/v1.0/users/${agent}/${RESET}`, { token: userAdmin, body: {} }),
        'User Admin resets',
      );
      for (const token of [userAdmin, writer]) {
        const who = token === userAdmin ? 'User Admin' : 'app-only User.ReadWrite.All';
        for (const body of [{ accountEnabled: false }, { displayName: 'Taken over' }]) {
          const res = await callApi(w, 'PATCH', `/v1.0/users/${agent}`, { token, body });
          refused(res, `${who} PATCH ${JSON.stringify(body)}`);
          assert.match(res.body.error.message, /SalesAgents/);
        }
        refused(await callApi(w, 'DELETE', `/v1.0/users/${agent}`, { token }), `${who} deletes`);
      }
      const after = await getUser(w.ctx.db, contoso(), agent);
      assert.deepEqual(after, before, 'nothing was written');
      // Agents hold no directory role, so without the agent check these would all have passed; an
      // ordinary user is still theirs to manage, and the Global Administrator still manages agents.
      const plain = (await makeUser(w, { name: 'plain' })).id;
      assert.equal(
        (await callApi(w, 'POST', `/v1.0/users/${plain}/${RESET}`, { token: userAdmin, body: {} })).status,
        200,
      );
      for (const token of [userAdmin, writer])
        assert.equal(
          (await callApi(w, 'PATCH', `/v1.0/users/${plain}`, { token, body: { displayName: 'Plain' } }))
            .status,
          204,
        );
      assert.equal((await callApi(w, 'DELETE', `/v1.0/users/${plain}`, { token: writer })).status, 204);
      const byGlobal = await callApi(w, 'PATCH', `/v1.0/users/${agent}`, {
        token: admin,
        body: { displayName: 'Agent A.' },
      });
      assert.equal(byGlobal.status, 204);
    });

    it('Entra rules: a User Administrator or an application cannot re-enable, rename or re-address a disabled Global Administrator', async () => {
      const disabled = (
        await makeUser(w, { name: 'dormant', roles: ['Global Administrator'], accountEnabled: false })
      ).id;
      const before = await getUser(w.ctx.db, contoso(), disabled);
      for (const token of [userAdmin, writer])
        for (const body of [
          { accountEnabled: true },
          { accountEnabled: true, displayName: 'Renamed by user admin' },
          { userPrincipalName: 'renamed@contoso.example' },
          { givenName: 'Mallory' },
        ]) {
          const res = await callApi(w, 'PATCH', `/v1.0/users/${disabled}`, { token, body });
          refused(res, `PATCH ${JSON.stringify(body)}`);
          assert.match(res.body.error.message, /Global Administrator/);
        }
      assert.deepEqual(await getUser(w.ctx.db, contoso(), disabled), before, 'nothing was written');
      // The Global Administrator may.
      const enabled = await callApi(w, 'PATCH', `/v1.0/users/${disabled}`, {
        token: admin,
        body: { accountEnabled: true },
      });
      assert.equal(enabled.status, 204);
    });
  });
});
