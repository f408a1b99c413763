import { type RawBuilder, type SqlBool, sql } from 'kysely';

/**
 * How a directory listing is ordered, searched and paged, for users and groups alike (Graph's
 * `$orderby`, `$search`, `$skiptoken`, `$count`). Everything is SQL, so the database filters,
 * orders and counts within the tenant, and the same statements run on SQLite and PostgreSQL:
 * - text sorts by `lower(column)` compared byte by byte (`COLLATE "C"` on PostgreSQL, SQLite's
 *   BINARY), so both databases order alike whatever PostgreSQL's locale; non-ASCII capitals are
 *   where they may still differ (SQLite's `lower()` folds ASCII only);
 * - ties are broken by id, so (key, id) is a total order and keyset paging after the last row
 *   served never skips or repeats a row, even while other rows are renamed (a renamed row moves:
 *   it is served at its new place if that place is still ahead).
 */
export type DbKind = 'sqlite' | 'postgres';

export interface ListingOrder {
  /** A column of the listed table. */
  column: string;
  kind: 'text' | 'number';
  descending: boolean;
}

/** Where the previous page ended: the last row's sort key (when ordered) and its id. */
export interface ListingCursor {
  key?: string | number;
  id: string;
}

/** One `$search` term: rows whose column has a word starting with `prefix` (case ignored). */
export interface SearchTerm {
  column: string;
  prefix: string;
}

/** Terms joined by AND or OR (Graph's `"displayName:jo" OR "mail:jo"`). */
export interface ListingSearch {
  join: 'and' | 'or';
  terms: SearchTerm[];
}

export interface ListingInput {
  order?: ListingOrder | undefined;
  after?: ListingCursor | undefined;
  search?: ListingSearch | undefined;
}

/** The sort expression of an order: text compared case-folded and byte-wise on both databases. */
function sortKey(order: ListingOrder, kind: DbKind): RawBuilder<unknown> {
  if (order.kind === 'number') return sql`${sql.ref(order.column)}`;
  const folded = sql`lower(coalesce(${sql.ref(order.column)}, ''))`;
  return kind === 'postgres' ? sql`(${folded} collate "C")` : folded;
}

/** The value a row's cursor keeps for an order (what `sortKey` compares). */
export function cursorKey(order: ListingOrder, value: string | number | null): string | number {
  if (order.kind === 'number') return Number(value);
  return String(value ?? '').toLowerCase();
}

/** The WHERE conditions (search, after the cursor) and ORDER BY terms of one page. */
export function listingClauses(
  input: ListingInput,
  kind: DbKind,
): { conditions: RawBuilder<SqlBool>[]; orderBy: { expr: RawBuilder<unknown>; desc: boolean }[] } {
  const conditions: RawBuilder<SqlBool>[] = [];
  if (input.search && input.search.terms.length > 0) {
    const parts = input.search.terms.map(searchCondition);
    conditions.push(sql<SqlBool>`(${sql.join(parts, sql` ${sql.raw(input.search.join)} `)})`);
  }
  const id = sql`${sql.ref('id')}`;
  const order = input.order;
  if (!order) {
    if (input.after) conditions.push(sql<SqlBool>`${id} > ${input.after.id}`);
    return { conditions, orderBy: [{ expr: id, desc: false }] };
  }
  const key = sortKey(order, kind);
  const after = input.after;
  if (after) {
    if (after.key === undefined) throw new Error('an ordered listing needs the sort key of its cursor');
    // The same direction for the key and the id: the row after (k, i) in (key, id) order.
    const cmp = sql.raw(order.descending ? '<' : '>');
    conditions.push(
      sql<SqlBool>`(${key} ${cmp} ${after.key} or (${key} = ${after.key} and ${id} ${cmp} ${after.id}))`,
    );
  }
  return {
    conditions,
    orderBy: [
      { expr: key, desc: order.descending },
      { expr: id, desc: order.descending },
    ],
  };
}

// Graph tokenizes names on spaces, punctuation and casing; a word starts the value or follows one
// of these separators. A prefix match per word, in SQL, with LIKE's wildcards taken literally.
const SEPARATORS = [' ', '-', '.', '_', '@', ',', "'", '('];

function searchCondition(term: SearchTerm): RawBuilder<SqlBool> {
  const folded = sql`lower(${sql.ref(term.column)})`;
  const prefix = likeEscaped(term.prefix.toLowerCase());
  const patterns = [`${prefix}%`, ...SEPARATORS.map((s) => `%${likeEscaped(s)}${prefix}%`)];
  return sql<SqlBool>`(${sql.join(
    patterns.map((p) => sql`${folded} like ${p} escape '\\'`),
    sql` or `,
  )})`;
}

function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
