import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { GraphError } from '../errors/graph-errors.ts';
import type { FilterClause } from './odata.ts';

/**
 * `$filter` clauses (already parsed and type-checked by odata.ts) as SQL conditions, so that
 * filtering happens in the query and keyset paging stays exact. The same SQL on SQLite and
 * PostgreSQL: `lower()` and `LIKE … ESCAPE` behave alike on both.
 */
export type FilterTarget =
  /** A column; `caseInsensitive` compares lower-cased (UPNs, display names). */
  | { column: string; caseInsensitive?: boolean }
  /** A computed property: the route builds the condition itself. */
  | { condition: (clause: FilterClause) => RawBuilder<SqlBool> };

export function filterConditions(
  clauses: readonly FilterClause[],
  targets: Readonly<Record<string, FilterTarget>>,
): RawBuilder<SqlBool>[] {
  return clauses.map((clause) => {
    const target = targets[clause.property];
    if (!target)
      throw new GraphError('Request_UnsupportedQuery', `Filtering on '${clause.property}' is not supported.`);
    if ('condition' in target) return target.condition(clause);
    const lower = target.caseInsensitive === true;
    const ref = lower ? sql`lower(${sql.ref(target.column)})` : sql.ref(target.column);
    const value = lower && typeof clause.value === 'string' ? clause.value.toLowerCase() : clause.value;
    return comparison(ref, clause, value);
  });
}

/** `ref <op> value` for one clause; `eq null` is `IS NULL`. */
export function comparison(
  ref: RawBuilder<unknown> | ReturnType<typeof sql.ref>,
  clause: FilterClause,
  value: FilterClause['value'] = clause.value,
): RawBuilder<SqlBool> {
  if (value === null) {
    if (clause.operator !== 'eq')
      throw new GraphError(
        'Request_UnsupportedQuery',
        `Only 'eq' may compare '${clause.property}' with null.`,
      );
    return sql<SqlBool>`${ref} is null`;
  }
  switch (clause.operator) {
    case 'eq':
      return sql<SqlBool>`${ref} = ${value}`;
    case 'ge':
      return sql<SqlBool>`${ref} >= ${value}`;
    case 'le':
      return sql<SqlBool>`${ref} <= ${value}`;
    case 'startswith':
      return sql<SqlBool>`${ref} like ${`${likeEscaped(String(value))}%`} escape '\\'`;
  }
}

/** The text with LIKE's wildcards (and the escape character itself) taken literally. */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
