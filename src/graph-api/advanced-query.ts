import { GraphError } from '../errors/graph-errors.ts';

/**
 * Graph's advanced query options of directory listings (`$orderby`, `$search`, `$count`), parsed
 * for odata.ts: what a resource's properties allow, and Graph's errors when a request breaks its
 * rules.
 */
interface ListingShape {
  type: string;
  properties: Readonly<Record<string, { orderBy?: 'default' | 'advanced'; search?: boolean }>>;
}

/** `$search`: `"property:text"` terms joined by AND or OR. */
export interface SearchQuery {
  join: 'and' | 'or';
  terms: { property: string; text: string }[];
}

function unsupported(message: string): GraphError {
  return new GraphError('Request_UnsupportedQuery', message);
}

/**
 * Graph's advanced query parameters (aad-advanced-queries): the `ConsistencyLevel: eventual`
 * header, which `$search` and `$count` need, and which with `$count=true` opens `$orderby` on the
 * other indexed properties and `$orderby` together with `$filter` or `$search`.
 */
export interface QueryHeaders {
  consistencyLevel?: string | string[] | undefined;
}

/** Whether the request asked for Graph's eventually consistent, advanced queries. */
export function isEventual(headers: QueryHeaders | undefined): boolean {
  const value = headers?.consistencyLevel;
  return typeof value === 'string' && value.trim().toLowerCase() === 'eventual';
}

/** Graph's answer to `$count` without `ConsistencyLevel: eventual`. */
export function countNeedsEventual(): GraphError {
  return new GraphError(
    'Request_BadRequest',
    "$count is not currently supported without the request header 'ConsistencyLevel: eventual'.",
  );
}

export function searchNeedsEventual(): GraphError {
  return unsupported(
    "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
  );
}

/** `property [asc|desc]`; Graph sorts directory objects by one property. */
export function parseOrderBy(value: string, shape: ListingShape): { property: string; descending: boolean } {
  const parts = value.trim().split(/\s+/);
  if (value.includes(',')) throw unsupported('Sorting by more than one property is not supported.');
  const [property, direction, ...rest] = parts;
  const dir = direction?.toLowerCase();
  if (!property || rest.length > 0 || (dir !== undefined && dir !== 'asc' && dir !== 'desc'))
    throw unsupported("$orderby is 'property', 'property asc' or 'property desc'.");
  const spec = Object.hasOwn(shape.properties, property) ? shape.properties[property] : undefined;
  if (!spec) throw unsupported(`Could not find a property named '${property}' on type '${shape.type}'.`);
  if (!spec.orderBy) throw unsupported(`Sorting by '${property}' is not supported.`);
  return { property, descending: dir === 'desc' };
}

/**
 * `"property:text"` clauses, each in double quotes, joined by AND or OR (one kind per query):
 * Graph's `$search` on directory objects. The text is matched as a word prefix (listing.ts).
 */
export function parseSearch(value: string, shape: ListingShape): SearchQuery {
  const CLAUSE = /\s*"([^"]*)"\s*/y;
  const JOIN = /(AND|OR)\b/y;
  const terms: { property: string; text: string }[] = [];
  const joins = new Set<'and' | 'or'>();
  let at = 0;
  for (;;) {
    CLAUSE.lastIndex = at;
    const m = CLAUSE.exec(value);
    if (!m) throw unsupported('Syntax error: $search is "property:text", in double quotes.');
    at = CLAUSE.lastIndex;
    const colon = m[1]!.indexOf(':');
    const property = m[1]!.slice(0, colon).trim();
    const text = m[1]!.slice(colon + 1).trim();
    if (colon < 1 || text === '') throw unsupported('Syntax error: each $search clause is "property:text".');
    const spec = Object.hasOwn(shape.properties, property) ? shape.properties[property] : undefined;
    if (!spec?.search) throw unsupported(`Searching by '${property}' is not supported.`);
    terms.push({ property, text });
    if (at >= value.length) break;
    JOIN.lastIndex = at;
    const j = JOIN.exec(value);
    if (!j) throw unsupported('Syntax error: $search clauses are joined by AND or OR.');
    joins.add(j[1] === 'AND' ? 'and' : 'or');
    at = JOIN.lastIndex;
  }
  if (joins.size > 1) throw unsupported('$search joins its clauses by AND or by OR, not both.');
  if (terms.length > 10) throw unsupported('$search takes at most 10 clauses.');
  return { join: joins.has('or') ? 'or' : 'and', terms };
}
