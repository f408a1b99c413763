import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import * as oauth from 'oauth4webapi';
import type { TestWarden } from '../support/harness.ts';
import { compatCheck, startCompatWarden } from './support/compat.ts';
import { janeTokenFor, registerContosoApi } from './support/protected-api.ts';

describe('oauth4webapi validateJwtAccessToken (RFC 9068)', () => {
  let w: TestWarden;
  before(async () => {
    w = await startCompatWarden();
  });
  after(() => w.stop());

  async function authorizationServer(): Promise<oauth.AuthorizationServer> {
    const issuer = new URL(w.issuer('contoso'));
    return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer));
  }

  function bearer(token: string): Request {
    return new Request('https://api.example/orders', { headers: { authorization: `Bearer ${token}` } });
  }

  compatCheck(
    'oauth4webapi',
    'validateJwtAccessToken accepts the token of a registered API that chose RFC 9068 at+jwt',
    'api.wardenAccessTokenType: "at+jwt" on the registered API',
    async () => {
      const { appId, identifierUri } = await registerContosoApi(w, 'at+jwt');
      const token = await janeTokenFor(w, `${identifierUri}/access_as_user`);
      const claims = await oauth.validateJwtAccessToken(await authorizationServer(), bearer(token), appId);
      assert.equal(claims.aud, appId);
      assert.equal(claims.iss, w.issuer('contoso'));
      assert.equal(claims.scp, 'access_as_user');
      assert.equal(typeof claims.client_id, 'string');
      assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    },
  );

  compatCheck(
    'oauth4webapi',
    'validateJwtAccessToken refuses an Entra-shaped (typ JWT) access token, as RFC 9068 section 4 requires',
    'none',
    async () => {
      const { appId, identifierUri } = await registerContosoApi(w, 'JWT');
      const token = await janeTokenFor(w, `${identifierUri}/access_as_user`);
      await assert.rejects(
        oauth.validateJwtAccessToken(await authorizationServer(), bearer(token), appId),
        (error: unknown) => {
          // oauth4webapi's own refusal of the header, with the header it saw.
          assert.ok(error instanceof oauth.OperationProcessingError);
          assert.equal(error.code, oauth.INVALID_RESPONSE);
          assert.deepEqual((error.cause as { header?: { typ?: string } }).header?.typ, 'JWT');
          return true;
        },
      );
    },
  );
});
