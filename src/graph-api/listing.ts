import type { FastifyRequest } from 'fastify';
import type { ListingInput, ListingOrder } from '../directory/listing.ts';
import { GraphError } from '../errors/graph-errors.ts';
import type { ODataQuery, QueryHeaders } from './odata.ts';

/**
 * `$orderby`, `$search` and `$skiptoken` of a directory listing in the directory's terms
 * (directory/listing.ts). An ordered page's `$skiptoken` is `[sort key, id]` of its last row, an
 * unordered one's `[id]`; a token of the other kind was not written for this query.
 */
export interface ListingColumn {
  column: string;
  kind: 'text' | 'number';
}

export function listingInput(
  query: ODataQuery,
  columns: Readonly<Record<string, ListingColumn>>,
): ListingInput {
  const input: ListingInput = {};
  if (query.search)
    input.search = {
      join: query.search.join,
      terms: query.search.terms.map((t) => ({
        column: columnOf(columns, t.property).column,
        prefix: t.text,
      })),
    };
  if (query.orderBy) input.order = orderOf(query, columns);
  if (query.after) {
    const [first, second] = query.after;
    if (input.order) {
      const keyType = input.order.kind === 'number' ? 'number' : 'string';
      if (query.after.length !== 2 || typeof first !== keyType || typeof second !== 'string')
        throw badToken();
      input.after = { key: first!, id: second };
    } else {
      if (query.after.length !== 1 || typeof first !== 'string') throw badToken();
      input.after = { id: first };
    }
  }
  return input;
}

/** The `$skiptoken` key of a row: its sort value (as listing.ts compares it) and its id. */
export function listingKey(
  query: ODataQuery,
  columns: Readonly<Record<string, ListingColumn>>,
  row: { id: string; sortValue: (property: string) => string | number | null },
): (string | number)[] {
  if (!query.orderBy) return [row.id];
  const order = orderOf(query, columns);
  const value = row.sortValue(query.orderBy.property);
  return [order.kind === 'number' ? Number(value) : String(value ?? '').toLowerCase(), row.id];
}

/** The request's advanced query header, for parseQuery. */
export function queryHeaders(req: FastifyRequest): QueryHeaders {
  return { consistencyLevel: req.headers.consistencylevel };
}

function orderOf(query: ODataQuery, columns: Readonly<Record<string, ListingColumn>>): ListingOrder {
  const { property, descending } = query.orderBy!;
  const { column, kind } = columnOf(columns, property);
  return { column, kind, descending };
}

function columnOf(columns: Readonly<Record<string, ListingColumn>>, property: string): ListingColumn {
  const column = Object.hasOwn(columns, property) ? columns[property] : undefined;
  if (!column)
    throw new GraphError('Request_UnsupportedQuery', `'${property}' cannot be sorted or searched.`);
  return column;
}

function badToken(): GraphError {
  return new GraphError(
    'Request_UnsupportedQuery',
    '$skiptoken is not valid: follow @odata.nextLink as given.',
  );
}
