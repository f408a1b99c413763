import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe } from 'node:test';
import type { RequestHandler } from 'express';
import { PARTNER_API } from '../../src/tokens/audiences.ts';
import type { TestWarden } from '../support/harness.ts';
import { compatCheck, startCompatWarden } from './support/compat.ts';
import { callWithToken, express, janeTokenFor, registerContosoApi, serve } from './support/protected-api.ts';

// passport and passport-azure-ad ship no type declarations: the few members used, typed here.
interface ITokenPayload {
  oid?: string;
  upn?: string;
  scp?: string;
  aud?: string;
}
type Verified = (
  token: ITokenPayload,
  done: (error: unknown, user?: unknown, info?: unknown) => void,
) => void;
interface PassportInstance {
  use(strategy: unknown): void;
  initialize(): RequestHandler;
  authenticate(name: string, options: { session: boolean }): RequestHandler;
}
const require = createRequire(import.meta.url);
const { Passport } = require('passport') as { Passport: new () => PassportInstance };
const { BearerStrategy } = require('passport-azure-ad') as {
  BearerStrategy: new (options: Record<string, unknown>, verify: Verified) => unknown;
};

describe('passport-azure-ad BearerStrategy protecting an Express 5 API', () => {
  let w: TestWarden;
  before(async () => {
    w = await startCompatWarden();
  });
  after(() => w.stop());

  compatCheck(
    'passport-azure-ad',
    'BearerStrategy validates an access token for a registered API (Express 5)',
    'identityMetadata: the tenant authority discovery URL; clientID: the API appId; validateIssuer: true',
    async () => {
      const { appId, identifierUri } = await registerContosoApi(w);
      const strategy = new BearerStrategy(
        {
          identityMetadata: `${w.baseUrl}/contoso.example/v2.0/.well-known/openid-configuration`,
          clientID: appId,
          validateIssuer: true,
          loggingNoPII: true,
          loggingLevel: 'error',
        },
        (token, done) => done(null, token, token),
      );
      const auth = new Passport();
      auth.use(strategy);
      const app = express();
      app.use(auth.initialize());
      app.get('/orders', auth.authenticate('oauth-bearer', { session: false }), (req, res) => {
        const claims = (req as unknown as { user: ITokenPayload }).user;
        res.json({ oid: claims.oid, upn: claims.upn, scp: claims.scp, aud: claims.aud });
      });
      const api = await serve(app);
      try {
        const token = await janeTokenFor(w, `${identifierUri}/access_as_user`);
        const ok = await callWithToken(`${api.url}/orders`, token);
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.deepEqual(ok.body, {
          oid: w.demo.users['jane@contoso.example']!.id,
          upn: 'jane@contoso.example',
          scp: 'access_as_user',
          aud: appId,
        });
        // A token Warden issued for another audience (the Partner API) is refused.
        const other = await janeTokenFor(w, `${PARTNER_API}/user_impersonation`);
        assert.equal((await callWithToken(`${api.url}/orders`, other)).status, 401);
        assert.equal((await callWithToken(`${api.url}/orders`, 'not-a-token')).status, 401);
      } finally {
        await api.close();
      }
    },
  );
});
