import type { FastifyReply, FastifyRequest } from 'fastify';
import { GRAPH_ERRORS, type GraphError } from '../errors/graph-errors.ts';
import { encodeSkipToken, type ODataQuery } from './odata.ts';

/**
 * Graph's response shapes (issue 4 item 1): `@odata.context`, `value`, `@odata.nextLink`; entities
 * with their context; errors as `{ error: { code, message, innerError } }`.
 */

/** The API version a response's `@odata.context` names: `/v1.0`, or `/beta` (graph-api/index.ts). */
export type GraphVersion = 'v1.0' | 'beta';

function contextUrl(
  baseUrl: string,
  resource: string,
  select: string[] | undefined,
  version: GraphVersion = 'v1.0',
): string {
  return `${baseUrl}/${version}/$metadata#${resource}${select ? `(${select.join(',')})` : ''}`;
}

function selected<T extends object>(entity: T, select: string[] | undefined): Partial<T> {
  if (!select) return entity;
  const out: Record<string, unknown> = {};
  for (const name of select) out[name] = (entity as Record<string, unknown>)[name] ?? null;
  return out as Partial<T>;
}

/**
 * Keyset paging: the route asks storage for `top + 1` rows after `query.after`; this serves `top` of
 * them and, when there were more, a nextLink whose `$skiptoken` is the last served row's key.
 */
export function sendPage<T extends object>(
  req: FastifyRequest,
  reply: FastifyReply,
  input: {
    baseUrl: string;
    resource: string;
    rows: T[];
    query: ODataQuery;
    keyOf: (row: T) => (string | number)[];
    /** `$count=true`: how many rows match, over every page. */
    count?: number;
    version?: GraphVersion;
  },
): FastifyReply {
  const { rows, query } = input;
  const page = rows.slice(0, query.top);
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(input.baseUrl, input.resource, query.select, input.version),
  };
  if (input.count !== undefined) body['@odata.count'] = input.count;
  if (rows.length > query.top) {
    const url = new URL(req.url, input.baseUrl);
    url.searchParams.set('$skiptoken', encodeSkipToken(input.keyOf(page[page.length - 1]!)));
    body['@odata.nextLink'] = `${input.baseUrl}${url.pathname}${url.search}`;
  }
  body.value = page.map((row) => selected(row, query.select));
  return reply.send(body);
}

/** One entity, e.g. `resource: 'users/$entity'`; 201 for a creation. */
export function sendEntity<T extends object>(
  reply: FastifyReply,
  input: {
    baseUrl: string;
    resource: string;
    entity: T;
    select?: string[];
    status?: number;
    version?: GraphVersion;
  },
): FastifyReply {
  return reply.code(input.status ?? 200).send({
    '@odata.context': contextUrl(input.baseUrl, input.resource, input.select, input.version),
    ...selected(input.entity, input.select),
  });
}

/** Graph's error body; `request-id` is also the response's `request-id` header. */
export function sendGraphError(reply: FastifyReply, requestId: string, error: GraphError, now: number) {
  return reply.code(GRAPH_ERRORS[error.code].status).send({
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        'request-id': requestId,
        date: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    },
  });
}
