import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applyEvent } from '../src/delegated-admin/relationships.ts';
import { includesUnknownEnumMembers, withoutEvolvableMembers } from '../src/graph-api/evolvable-enums.ts';
import { gdapApi, mfaGraphToken, RELATIONSHIPS } from './support/gdap.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { callApi } from './support/tokens.ts';

describe('Graph evolvable enums: Prefer: include-unknown-enum-members', () => {
  it('reference (how to read the sources): members after unknownFutureValue become unknownFutureValue, anywhere in an answer; other values stay', () => {
    assert.deepEqual(
      withoutEvolvableMembers({
        value: [
          { id: '1', action: 'reject', status: 'succeeded' },
          { id: '2', action: 'lockForApproval' },
          { operationType: 'delegatedAdminRelationshipUpdate', data: { action: 'approve' } },
        ],
      }),
      {
        value: [
          { id: '1', action: 'unknownFutureValue', status: 'succeeded' },
          { id: '2', action: 'lockForApproval' },
          { operationType: 'unknownFutureValue', data: { action: 'approve' } },
        ],
      },
    );
    assert.equal(includesUnknownEnumMembers('include-unknown-enum-members'), true);
    assert.equal(includesUnknownEnumMembers('odata.maxpagesize=5, Include-Unknown-Enum-Members'), true);
    assert.equal(includesUnknownEnumMembers(['return=minimal', 'include-unknown-enum-members']), true);
    assert.equal(includesUnknownEnumMembers('return=minimal'), false);
    assert.equal(includesUnknownEnumMembers(undefined), false);
  });

  describe('on the wire', () => {
    let w: TestWarden;
    let jane: string;
    before(async () => {
      w = await startWarden();
      jane = await mfaGraphToken(w, 'jane@contoso.example');
    });
    after(() => w.stop());

    it("partner-center-gdap-sam (requests): a customer's reject is answered as unknownFutureValue without the header, as reject with it (Preference-Applied), in a batch per request", async () => {
      const api = gdapApi(w, jane);
      const locked = (await api.locked()).body;
      await applyEvent(
        w.ctx.db,
        { customerTenantId: w.demo.tenants.northwind!.id },
        locked.id,
        { event: 'reject', actor: 'customer', approvedBy: 'admin@northwind.example' },
        w.clock.now(),
      );
      const path = `${RELATIONSHIPS}/${locked.id}/requests`;
      const plain = await callApi(w, 'GET', path, { token: jane });
      assert.equal(plain.status, 200, JSON.stringify(plain.body));
      const actions = (body: { value: { action: string }[] }) => body.value.map((r) => r.action).sort();
      assert.deepEqual(actions(plain.body), ['lockForApproval', 'unknownFutureValue']);
      assert.equal(plain.headers.get('preference-applied'), null);
      const asked = await callApi(w, 'GET', path, {
        token: jane,
        headers: { Prefer: 'include-unknown-enum-members' },
      });
      assert.deepEqual(actions(asked.body), ['lockForApproval', 'reject']);
      assert.equal(asked.headers.get('preference-applied'), 'include-unknown-enum-members');

      const url = path.slice('/v1.0'.length);
      const batch = await callApi(w, 'POST', '/v1.0/$batch', {
        token: jane,
        body: {
          requests: [
            { id: '1', method: 'GET', url },
            { id: '2', method: 'GET', url, headers: { Prefer: 'include-unknown-enum-members' } },
          ],
        },
      });
      const [one, two] = batch.body.responses;
      assert.deepEqual(actions(one.body), ['lockForApproval', 'unknownFutureValue']);
      assert.deepEqual(actions(two.body), ['lockForApproval', 'reject']);
      assert.equal(two.headers['preference-applied'], 'include-unknown-enum-members');
    });
  });
});
