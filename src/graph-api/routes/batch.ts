import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { type GRAPH_ERRORS, GraphError } from '../../errors/graph-errors.ts';

/**
 * Graph JSON batching (`POST /$batch`): up to 20 requests in one envelope, answered as
 * `{ responses: [{ id, status, headers, body }] }`. Each request is sent through the API itself
 * (Fastify's inject) with the batch's own bearer token, so it meets the same gate, the same
 * declaration and the same per-route checks as if it had been sent alone: the batch authorises
 * nothing, and one refused request does not stop the others. Requests run one after the other in
 * the envelope's order; `dependsOn` names earlier requests only, and a request whose dependency
 * failed is not run (424, Graph's Failed Dependency).
 */
const MAX_REQUESTS = 20;
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);
// The response headers a batched answer carries (Graph keeps those a client acts on).
const KEPT_HEADERS = [
  'content-type',
  'location',
  'etag',
  'retry-after',
  'preference-applied',
  'odata-version',
];
// Never taken from an inner request: the batch's own token and transport decide these.
const DROPPED_HEADERS = new Set([
  'authorization',
  'cookie',
  'host',
  'origin',
  'forwarded',
  'x-real-ip',
  'content-length',
  'transfer-encoding',
  'connection',
]);

function dropped(name: string): boolean {
  return DROPPED_HEADERS.has(name) || name.startsWith('x-forwarded-');
}

interface BatchRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export function batchRoutes(api: FastifyInstance, _ctx: WardenContext): void {
  api.post<{ Body: { requests: BatchRequest[] } }>(
    '/$batch',
    {
      config: { graph: { operation: 'batch', permission: 'batch' } },
      schema: {
        body: {
          type: 'object',
          required: ['requests'],
          additionalProperties: false,
          properties: {
            requests: {
              type: 'array',
              minItems: 1,
              items: {
                type: 'object',
                required: ['id', 'method', 'url'],
                additionalProperties: false,
                properties: {
                  id: { type: 'string', minLength: 1, maxLength: 64 },
                  method: { type: 'string', maxLength: 10 },
                  url: { type: 'string', minLength: 1, maxLength: 2048 },
                  headers: {
                    type: 'object',
                    maxProperties: 20,
                    additionalProperties: { type: 'string', maxLength: 2048 },
                  },
                  body: {},
                  dependsOn: { type: 'array', maxItems: MAX_REQUESTS, items: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const { requests } = req.body;
      checkEnvelope(requests);
      const responses = new Map<string, BatchResponse>();
      for (const inner of requests) {
        const failed = (inner.dependsOn ?? []).find((id) => (responses.get(id)?.status ?? 0) >= 400);
        responses.set(
          inner.id,
          failed !== undefined
            ? errorResponse(inner.id, 424, 'BadRequest', `The request it depends on (${failed}) failed.`)
            : await run(api, req, inner),
        );
      }
      return reply.send({ responses: requests.map((r) => responses.get(r.id)) });
    },
  );
}

/** The envelope's own rules; breaking one refuses the whole batch, as Graph does. */
function checkEnvelope(requests: readonly BatchRequest[]): void {
  const bad = (message: string) => new GraphError('BadRequest', message);
  if (requests.length > MAX_REQUESTS)
    throw bad(`Invalid batch payload: a batch may hold at most ${MAX_REQUESTS} requests.`);
  const seen = new Set<string>();
  for (const r of requests) {
    if (seen.has(r.id)) throw bad(`Invalid batch payload: the request id '${r.id}' is used twice.`);
    for (const dependency of r.dependsOn ?? [])
      if (!seen.has(dependency))
        throw bad(
          `Invalid batch payload: request '${r.id}' depends on '${dependency}', which is not an earlier request of the batch.`,
        );
    seen.add(r.id);
  }
}

/** One inner request, sent through the API with the batch's token, answered in Graph's shape. */
async function run(api: FastifyInstance, outer: FastifyRequest, inner: BatchRequest): Promise<BatchResponse> {
  const method = inner.method.toUpperCase();
  if (!METHODS.has(method))
    return errorResponse(inner.id, 400, 'BadRequest', `The method '${inner.method}' cannot be batched.`);
  const path = innerPath(inner.url);
  if (!path)
    return errorResponse(
      inner.id,
      400,
      'BadRequest',
      'A batched url is relative to the version root, e.g. /users?$top=5 (absolute urls are not accepted).',
    );
  if (isBatchPath(path))
    return errorResponse(inner.id, 400, 'BadRequest', 'A batch may not hold another batch.');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(inner.headers ?? {}))
    if (!dropped(name.toLowerCase())) headers[name.toLowerCase()] = value;
  if (inner.body !== undefined && !headers['content-type'])
    return errorResponse(
      inner.id,
      400,
      'BadRequest',
      'A batched request with a body needs a Content-Type header.',
    );
  const authorization = outer.headers.authorization;
  if (authorization) headers.authorization = authorization;
  const res = await api.inject({
    method: method as 'GET',
    url: `/v1.0${path}`,
    headers,
    remoteAddress: outer.ip,
    ...(inner.body !== undefined
      ? { payload: typeof inner.body === 'string' ? inner.body : JSON.stringify(inner.body) }
      : {}),
  });
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = res.headers[name];
    if (value !== undefined) kept[name === 'content-type' ? 'Content-Type' : name] = String(value);
  }
  const type = String(res.headers['content-type'] ?? '');
  const body =
    res.body === '' ? undefined : type.includes('json') ? (JSON.parse(res.body) as unknown) : res.body;
  return { id: inner.id, status: res.statusCode, headers: kept, ...(body !== undefined ? { body } : {}) };
}

/**
 * `/users?$top=5` or `users?$top=5`; undefined for anything that is not a path under the version
 * root. Dot segments (`..`, `.`, in any percent-encoding) are refused rather than resolved: inject
 * would resolve them, and `/../healthz` or `/./$batch` would leave Graph or nest a batch.
 */
function innerPath(url: string): string | undefined {
  const path = url.startsWith('/') ? url : `/${url}`;
  if (path.startsWith('//') || /^\/?[a-z][a-z0-9+.-]*:/i.test(url) || /[\s\\]/.test(path) || hasControl(path))
    return undefined;
  const pathname = path.split(/[?#]/, 1)[0]!;
  const segments: string[] = [];
  for (const raw of pathname.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '.' || segment === '..' || segment.includes('/')) return undefined;
    segments.push(segment.toLowerCase());
  }
  if (segments[0] === 'v1.0' || segments[0] === 'beta') return undefined;
  return path;
}

/** C0 controls and DEL: URL parsing (inject) strips them at the ends, so `/..\u0001` would pass as `..`. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Whether a batched path names the batch endpoint itself, however it is encoded. */
function isBatchPath(path: string): boolean {
  const first = path.split(/[?#]/, 1)[0]!.split('/')[1] ?? '';
  try {
    return decodeURIComponent(first).toLowerCase() === '$batch';
  } catch {
    return true;
  }
}

function errorResponse(
  id: string,
  status: number,
  code: keyof typeof GRAPH_ERRORS,
  message: string,
): BatchResponse {
  return {
    id,
    status,
    headers: { 'Content-Type': 'application/json' },
    body: { error: { code, message } },
  };
}
