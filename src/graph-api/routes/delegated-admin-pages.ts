import type { FastifyReply, FastifyRequest } from 'fastify';
import { GraphError } from '../../errors/graph-errors.ts';
import type { ODataQuery } from '../odata.ts';
import { sendPage } from '../responses.ts';

/**
 * A page of one relationship's `requests`, `accessAssignments` or `operations`. These hold a few
 * rows each (the domain reads at most 300, Graph's page maximum), so the whole list is read and
 * `$skiptoken` names the last id served; `$filter` is not offered on them.
 */
export function sendSubPage<T extends { id: string }>(
  req: FastifyRequest,
  reply: FastifyReply,
  input: { baseUrl: string; resource: string; rows: T[]; query: ODataQuery },
): FastifyReply {
  const { query } = input;
  if (query.filter.length > 0)
    throw new GraphError('Request_UnsupportedQuery', `$filter is not supported on ${input.resource}.`);
  let rows = input.rows;
  if (query.after) {
    const at = rows.findIndex((row) => row.id === query.after![0]);
    if (at < 0 || query.after.length !== 1)
      throw new GraphError(
        'Request_UnsupportedQuery',
        '$skiptoken is not valid: follow @odata.nextLink as given.',
      );
    rows = rows.slice(at + 1);
  }
  return sendPage(req, reply, { ...input, rows, keyOf: (row) => [row.id] });
}
