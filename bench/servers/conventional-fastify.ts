/**
 * Child process: the conventional peer of the Partner API benchmark (issue 16 item 5). A Fastify
 * service written the usual way: on every request it verifies the bearer JWT with jose
 * (`jwtVerify` against the authority's JWKS, fetched once at start), checks issuer, audience,
 * expiry and `mfa` in `amr`, then runs the same customer query as Warden (`pageCustomers`, through
 * Kysely, on Warden's own SQLite file) and answers the same collection shape. No token cache, no
 * request log, no roles query: what a team would write first.
 */
import Fastify from 'fastify';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { collection } from '../../src/partner-api/responses.ts';
import { customerShape } from '../../src/partner-api/routes/customers-shape.ts';
import { pageCustomers } from '../../src/partner-center/customer-search.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { freePort, type Ready, serveRequests } from '../common.ts';

export interface ConventionalInfo {
  path: string;
}

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const issuer = env('BENCH_ISSUER');
const audience = env('BENCH_AUDIENCE');
const jwks = createLocalJWKSet((await (await fetch(env('BENCH_JWKS_URL'))).json()) as JSONWebKeySet);
// Warden's data dir: opened read and write as Warden opens it (migrations already applied, a no-op).
const { db } = await openDatabase({ databaseUrl: undefined, dataDir: env('BENCH_DATA_DIR') });
const path = '/v1/customers';

const port = await freePort();
const app = Fastify({ logger: false });
app.get(path, async (req, reply) => {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return reply.code(401).send({ code: 'unauthorized' });
  let tenantId: string;
  try {
    const { payload } = await jwtVerify(header.slice('Bearer '.length), jwks, { issuer, audience });
    const amr = Array.isArray(payload.amr) ? payload.amr : [];
    if (!amr.includes('mfa') || typeof payload.tid !== 'string')
      return reply.code(401).send({ code: 'mfa_required' });
    tenantId = payload.tid;
  } catch {
    return reply.code(401).send({ code: 'invalid_token' });
  }
  const page = await pageCustomers(db, tenantId, { size: 500 });
  return collection(page.customers.map(customerShape), req.url);
});
await app.listen({ port, host: '127.0.0.1' });

serveRequests(async (request) => {
  throw new Error(`the conventional Fastify server does not do ${request.cmd}`);
});

process.send?.({ ready: true, port, info: { path } } satisfies Ready<ConventionalInfo>);
