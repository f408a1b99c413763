import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { DeviceCodeCredential, type DeviceCodeInfo } from '@azure/identity';
import { decodeJwt } from 'jose';
import { GRAPH_API, PARTNER_API } from '../../src/tokens/audiences.ts';
import { approveDevice } from '../support/device.ts';
import type { TestWarden } from '../support/harness.ts';
import { compatCheck, startCompatWarden } from './support/compat.ts';

describe('@azure/identity DeviceCodeCredential', () => {
  let w: TestWarden;
  before(async () => {
    w = await startCompatWarden();
  });
  after(() => w.stop());

  compatCheck(
    '@azure/identity',
    'DeviceCodeCredential signs in once, then getToken for the Partner API and for Graph with no second prompt',
    'authorityHost: the Warden base URL; disableInstanceDiscovery: true; tenantId: the tenant domain',
    async () => {
      const prompts: DeviceCodeInfo[] = [];
      const approvals: Promise<unknown>[] = [];
      const credential = new DeviceCodeCredential({
        tenantId: 'contoso.example',
        clientId: w.demo.clients['warden-cli']!.clientId,
        authorityHost: w.baseUrl,
        disableInstanceDiscovery: true,
        userPromptCallback: (info) => {
          prompts.push(info);
          // Jane opens the page and approves while the credential polls (RFC 8628 §3.3).
          approvals.push(approveDevice(w, info.verificationUri, info.userCode, 'jane@contoso.example'));
        },
      });
      const partner = await credential.getToken(`${PARTNER_API}/user_impersonation`);
      await Promise.all(approvals);
      assert.equal(prompts.length, 1);
      const partnerClaims = decodeJwt(partner.token);
      assert.equal(partnerClaims.aud, PARTNER_API);
      assert.equal(partnerClaims.upn, 'jane@contoso.example');

      // Graph was not named at the sign-in: the refresh token serves it (Entra), no second device code.
      const graph = await credential.getToken(`${GRAPH_API}/.default`);
      assert.equal(prompts.length, 1);
      const graphClaims = decodeJwt(graph.token);
      assert.equal(graphClaims.aud, GRAPH_API);
      assert.equal(graphClaims.scp, 'Directory.AccessAsUser.All');
      assert.deepEqual(graphClaims.amr, partnerClaims.amr);
      assert.equal(graphClaims.oid, partnerClaims.oid);
    },
  );
});
