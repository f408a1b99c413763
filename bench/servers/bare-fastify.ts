/**
 * Child process: the baseline of the Partner API benchmark. A bare Fastify (no logger, no hooks,
 * no plugins) with one route, `GET /v1/customers`, that sends the exact bytes Warden answered to
 * the same request (the parent fetches them once and passes them in `BENCH_BODY`).
 */
import Fastify from 'fastify';
import { freePort, type Ready, serveRequests } from '../common.ts';

export interface BareFastifyInfo {
  path: string;
  bytes: number;
}

const body = Buffer.from(process.env.BENCH_BODY ?? '', 'utf8');
const contentType = process.env.BENCH_CONTENT_TYPE ?? 'application/json; charset=utf-8';
if (body.length === 0) throw new Error('BENCH_BODY is empty');
const path = '/v1/customers';

const port = await freePort();
const app = Fastify({ logger: false });
app.get(path, (_req, reply) => {
  reply.type(contentType).send(body);
});
await app.listen({ port, host: '127.0.0.1' });

serveRequests(async (request) => {
  throw new Error(`the bare Fastify server does not do ${request.cmd}`);
});

process.send?.({ ready: true, port, info: { path, bytes: body.length } } satisfies Ready<BareFastifyInfo>);
