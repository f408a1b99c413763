/**
 * Child process: the baseline. A bare oidc-provider (its in-memory adapter, one static client)
 * doing the same work as Warden's client-credentials grant: an RS256 JWT access token for
 * urn:warden:partner-api. Served with node:http on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { freePort, type Ready, serveRequests } from '../common.ts';

export interface BareInfo {
  clientId: string;
  clientSecret: string;
  tokenPath: string;
}

const port = await freePort();
const clientId = 'bench-client';
const clientSecret = randomBytes(32).toString('base64url');
const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bench' };

const provider = new Provider(`http://localhost:${port}`, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  // As in Warden (src/tokens/provider.ts); these two only silence oidc-provider's start-up notices.
  ttl: { ClientCredentials: 3600 },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:warden:partner-api',
      getResourceServerInfo: () => ({
        scope: 'urn:warden:partner-api/.default',
        audience: 'urn:warden:partner-api',
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  jwks: { keys: [jwk as never] },
});

const server = createServer(provider.callback());
await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

serveRequests(async (request) => {
  throw new Error(`the bare provider does not do ${request.cmd}`);
});

process.send?.({
  ready: true,
  port,
  info: { clientId, clientSecret, tokenPath: '/token' },
} satisfies Ready<BareInfo>);
