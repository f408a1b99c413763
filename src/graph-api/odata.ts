import { GraphError } from '../errors/graph-errors.ts';
import { canonicalGuid } from '../guid.ts';
import {
  countNeedsEventual,
  isEventual,
  parseOrderBy,
  parseSearch,
  type QueryHeaders,
  type SearchQuery,
  searchNeedsEventual,
} from './advanced-query.ts';

export { countNeedsEventual, isEventual, type QueryHeaders };

/**
 * The OData query options the directory administration API understands (issue 4 item 1): `$filter`
 * with `eq`, `ge`, `le`, `startswith(...)` joined by `and`; `$top`; `$select`; and the opaque
 * `$skiptoken` of `@odata.nextLink`. Anything else is refused with Request_UnsupportedQuery rather
 * than silently ignored, so a script never mistakes a partial answer for a filtered one.
 */
export type FilterOperator = 'eq' | 'ge' | 'le' | 'startswith';
export type FilterValue = string | number | boolean | null;
export interface FilterClause {
  property: string;
  operator: FilterOperator;
  /** dateTime values arrive as epoch milliseconds; guids lower-cased. */
  value: FilterValue;
}

export interface PropertySpec {
  type: 'string' | 'guid' | 'dateTime' | 'integer' | 'boolean';
  /** The operators `$filter` accepts on this property; omitted: not filterable. */
  filter?: readonly FilterOperator[];
  /**
   * Whether `$orderby` may name it: always, or only as an advanced query (ConsistencyLevel:
   * eventual and `$count=true`, Graph's rule for the properties of its separate index).
   */
  orderBy?: 'default' | 'advanced';
  /** Whether `$search` may name it ("property:words"), always an advanced query. */
  search?: boolean;
  /** Graph leaves it out unless `$select` names it. */
  selectOnly?: boolean;
}

/** A resource's properties as the query options see them (`$select` names, `$filter` types). */
export interface ResourceShape {
  /** The Graph type name used in messages, e.g. `microsoft.graph.user`. */
  type: string;
  properties: Readonly<Record<string, PropertySpec>>;
}

export interface ODataQuery {
  filter: FilterClause[];
  top: number;
  select: string[] | undefined;
  /** The key of the last row of the previous page, from `$skiptoken`. */
  after: (string | number)[] | undefined;
  /** `$orderby`: one property, ascending unless `desc`. */
  orderBy?: { property: string; descending: boolean } | undefined;
  /** `$search`: `"property:text"` terms joined by AND or OR. */
  search?: SearchQuery | undefined;
  /** `$count=true`: the answer carries `@odata.count`. */
  count?: boolean;
}

const KNOWN = new Set(['$filter', '$top', '$select', '$skiptoken']);
const ADVANCED = new Set(['$orderby', '$search', '$count']);

export function parseQuery(
  query: unknown,
  shape: ResourceShape,
  limits: { defaultTop: number; maxTop: number } = { defaultTop: 100, maxTop: 999 },
  headers?: QueryHeaders,
): ODataQuery {
  const q = (query ?? {}) as Record<string, unknown>;
  // A listing that offers none of $orderby, $search or $count refuses them as before.
  const listing = Object.values(shape.properties).some((p) => p.orderBy || p.search);
  for (const [name, value] of Object.entries(q)) {
    const known = KNOWN.has(name) || (listing && ADVANCED.has(name));
    if (name.startsWith('$') && !known) throw unsupported(`The query option ${name} is not supported.`);
    if (known && typeof value !== 'string') throw unsupported(`${name} may be given once.`);
  }
  const parsed: ODataQuery = {
    filter: q.$filter === undefined ? [] : parseFilter(String(q.$filter), shape),
    top: parseTop(q.$top as string | undefined, limits),
    select: q.$select === undefined ? undefined : parseSelect(String(q.$select), shape),
    after: q.$skiptoken === undefined ? undefined : decodeSkipToken(String(q.$skiptoken)),
  };
  if (!listing) return parsed;
  const eventual = isEventual(headers);
  if (q.$count !== undefined) {
    if (q.$count !== 'true' && q.$count !== 'false') throw unsupported('$count is true or false.');
    parsed.count = q.$count === 'true';
    if (parsed.count && !eventual) throw countNeedsEventual();
  }
  if (q.$search !== undefined) {
    if (!eventual) throw searchNeedsEventual();
    parsed.search = parseSearch(String(q.$search), shape);
  }
  if (q.$orderby !== undefined) {
    parsed.orderBy = parseOrderBy(String(q.$orderby), shape);
    const spec = shape.properties[parsed.orderBy.property]!;
    const advanced = eventual && parsed.count === true;
    const needsAdvanced =
      spec.orderBy === 'advanced' || parsed.filter.length > 0 || parsed.search !== undefined;
    if (needsAdvanced && !advanced) throw unsupported('Sorting not supported for current query.');
  }
  return parsed;
}

/** Refuses `$orderby`, `$search` and `$count` where a route does not apply them (one object, a link). */
export function refuseListingOptions(query: ODataQuery, where: string): void {
  if (query.orderBy || query.search || query.count !== undefined)
    throw unsupported(`$orderby, $search and $count do not apply to ${where}.`);
}

function unsupported(message: string): GraphError {
  return new GraphError('Request_UnsupportedQuery', message);
}

function parseTop(value: string | undefined, limits: { defaultTop: number; maxTop: number }): number {
  if (value === undefined) return limits.defaultTop;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > limits.maxTop)
    throw unsupported(`$top must be a whole number from 1 to ${limits.maxTop}.`);
  return Number(value);
}

function parseSelect(value: string, shape: ResourceShape): string[] {
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!Object.hasOwn(shape.properties, name))
      throw unsupported(`Could not find a property named '${name}' on type '${shape.type}'.`);
  }
  return [...new Set(names)];
}

// ---- $skiptoken: the sort key of the last row served, opaque to clients --------------------------

export function encodeSkipToken(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The id a `$skiptoken` names, for a listing paged by id alone (one string key); undefined on
 * the first page. Any other key was not written by this listing.
 */
export function idAfter(query: ODataQuery): string | undefined {
  if (query.after === undefined) return undefined;
  const [id] = query.after;
  if (query.after.length !== 1 || typeof id !== 'string')
    throw unsupported('$skiptoken is not valid: follow @odata.nextLink as given.');
  return id;
}

function decodeSkipToken(token: string): (string | number)[] {
  try {
    const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length > 0 &&
      key.every((v) => typeof v === 'string' || typeof v === 'number')
    )
      return key;
  } catch {}
  throw unsupported('$skiptoken is not valid: follow @odata.nextLink as given.');
}

// ---- $filter ---------------------------------------------------------------------------------

type Token =
  | { kind: 'name'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'literal'; text: string }
  | { kind: 'punct'; text: '(' | ')' | ',' };

const TOKEN =
  /\s*(?:(?<str>'(?:[^']|'')*')|(?<punct>[(),])|(?<lit>-?\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})|-?\d+(?:\.\d+)?)|(?<name>[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*))\s*/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m?.groups || m[0].length === 0) throw unsupported(`Invalid $filter near position ${at + 1}.`);
    const g = m.groups;
    if (g.str !== undefined) tokens.push({ kind: 'string', text: g.str.slice(1, -1).replaceAll("''", "'") });
    else if (g.punct !== undefined) tokens.push({ kind: 'punct', text: g.punct as '(' | ')' | ',' });
    else if (g.lit !== undefined) tokens.push({ kind: 'literal', text: g.lit });
    else tokens.push({ kind: 'name', text: g.name! });
  }
  return tokens;
}

/** `clause (and clause)*`, where a clause is `property op value` or `startswith(property,'text')`. */
function parseFilter(text: string, shape: ResourceShape): FilterClause[] {
  const tokens = tokenize(text);
  let i = 0;
  const next = (): Token => {
    const token = tokens[i++];
    if (!token) throw unsupported('The $filter expression ends too early.');
    return token;
  };
  const expectPunct = (p: string) => {
    const token = next();
    if (token.kind !== 'punct' || token.text !== p) throw unsupported(`Expected '${p}' in $filter.`);
  };
  const clauses: FilterClause[] = [];
  for (;;) {
    const first = next();
    if (first.kind === 'name' && first.text.toLowerCase() === 'startswith') {
      expectPunct('(');
      const property = next();
      expectPunct(',');
      const value = next();
      expectPunct(')');
      if (property.kind !== 'name' || value.kind !== 'string')
        throw unsupported("startswith takes a property and a quoted string: startswith(displayName,'Ja').");
      clauses.push(clause(shape, property.text, 'startswith', value));
    } else {
      const op = next();
      const value = next();
      if (first.kind !== 'name' || op.kind !== 'name')
        throw unsupported("A $filter clause is 'property operator value'.");
      const operator = op.text.toLowerCase();
      if (operator !== 'eq' && operator !== 'ge' && operator !== 'le')
        throw unsupported(`The operator '${op.text}' is not supported; use eq, ge, le or startswith.`);
      clauses.push(clause(shape, first.text, operator, value));
    }
    if (i === tokens.length) return clauses;
    const joiner = next();
    if (joiner.kind !== 'name' || joiner.text.toLowerCase() !== 'and')
      throw unsupported("Only 'and' may join $filter clauses.");
  }
}

function clause(
  shape: ResourceShape,
  property: string,
  operator: FilterOperator,
  token: Token,
): FilterClause {
  const spec = shape.properties[property];
  if (!spec || !Object.hasOwn(shape.properties, property))
    throw unsupported(`Could not find a property named '${property}' on type '${shape.type}'.`);
  if (!spec.filter?.includes(operator))
    throw unsupported(`The property '${property}' does not support the '${operator}' filter.`);
  return { property, operator, value: literal(spec, property, token) };
}

function literal(spec: PropertySpec, property: string, token: Token): FilterValue {
  const article = spec.type === 'integer' ? 'an' : 'a';
  const bad = () => unsupported(`The value for '${property}' must be ${article} ${spec.type}.`);
  if (token.kind === 'name' && token.text === 'null') return null;
  switch (spec.type) {
    case 'string':
      if (token.kind !== 'string') throw bad();
      return token.text;
    case 'guid': {
      const guid = token.kind === 'string' ? canonicalGuid(token.text) : undefined;
      if (!guid) throw bad();
      return guid;
    }
    case 'integer': {
      // Stored as 32-bit integers: a fraction or a larger number matches nothing, and PostgreSQL
      // would refuse to compare it (a 500); say so instead.
      const value = token.kind === 'literal' ? Number(token.text) : Number.NaN;
      if (!/^-?\d{1,10}$/.test(token.kind === 'literal' ? token.text : '') || Math.abs(value) > 2 ** 31 - 1)
        throw bad();
      return value;
    }
    case 'boolean':
      if (token.kind !== 'name' || (token.text !== 'true' && token.text !== 'false')) throw bad();
      return token.text === 'true';
    case 'dateTime': {
      const ms = token.kind === 'punct' ? Number.NaN : Date.parse(token.text);
      if (token.kind === 'name' || !/^\d{4}-\d{2}-\d{2}T/.test(token.text) || !Number.isSafeInteger(ms))
        throw bad();
      return ms;
    }
  }
}
