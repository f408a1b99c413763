import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { NextFunction, Request, Response } from 'express';
import { expressjwt, type Request as JwtRequest } from 'express-jwt';
import jwksRsa from 'jwks-rsa';
import { GRAPH_API } from '../../src/tokens/audiences.ts';
import type { TestWarden } from '../support/harness.ts';
import { compatCheck, startCompatWarden } from './support/compat.ts';
import { callWithToken, express, janeTokenFor, registerContosoApi, serve } from './support/protected-api.ts';

describe('express-jwt + jwks-rsa protecting an Express 5 API', () => {
  let w: TestWarden;
  before(async () => {
    w = await startCompatWarden();
  });
  after(() => w.stop());

  compatCheck(
    'express-jwt + jwks-rsa',
    'validates an access token for a registered API (Express 5, RS256 from the JWKS)',
    'jwksUri and issuer from the tenant authority discovery document; audience: the API appId',
    async () => {
      const { appId, identifierUri } = await registerContosoApi(w);
      const discovery = (await (
        await fetch(`${w.baseUrl}/contoso.example/v2.0/.well-known/openid-configuration`)
      ).json()) as { jwks_uri: string; issuer: string };
      const app = express();
      app.get(
        '/orders',
        expressjwt({
          secret: jwksRsa.expressJwtSecret({ jwksUri: discovery.jwks_uri, cache: true }) as never,
          audience: appId,
          issuer: discovery.issuer,
          algorithms: ['RS256'],
        }),
        (req: JwtRequest, res: Response) => {
          const claims = req.auth as { oid?: string; scp?: string; tid?: string; amr?: string[] };
          res.json({ oid: claims.oid, scp: claims.scp, tid: claims.tid, amr: claims.amr });
        },
      );
      app.use((error: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
        res.status(error.status ?? 500).json({ error: 'unauthorized' });
      });
      const api = await serve(app);
      try {
        const token = await janeTokenFor(w, `${identifierUri}/access_as_user`);
        const ok = await callWithToken(`${api.url}/orders`, token);
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.deepEqual(ok.body, {
          oid: w.demo.users['jane@contoso.example']!.id,
          scp: 'access_as_user',
          tid: w.demo.tenants.contoso!.id,
          amr: ['pwd', 'otp', 'mfa'],
        });
        // A Graph token of the same user and issuer: another audience, refused.
        const graph = await janeTokenFor(w, `${GRAPH_API}/Directory.AccessAsUser.All`);
        assert.equal((await callWithToken(`${api.url}/orders`, graph)).status, 401);
      } finally {
        await api.close();
      }
    },
  );
});
