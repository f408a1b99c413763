import { GraphError } from '../../errors/graph-errors.ts';

/** The event types of Graph beta's `signIn.signInEventTypes` that Warden's logs hold (reference §8.2). */
export type SignInEventType = 'interactiveUser' | 'nonInteractiveUser' | 'servicePrincipal';
const EVENT_TYPES: ReadonlySet<string> = new Set([
  'interactiveUser',
  'nonInteractiveUser',
  'servicePrincipal',
]);

/** `signInEventTypes/any(t: t eq 'servicePrincipal')`, the lambda variable named as the caller likes. */
const ANY_CLAUSE = /signInEventTypes\/any\(\s*([A-Za-z_]\w*)\s*:\s*\1\s+eq\s+'([A-Za-z]+)'\s*\)/i;

/**
 * Reference §8.1: Graph picks the kind of sign-in by `$filter=signInEventTypes/any(t: t eq '…')`,
 * alone or joined with `and` to the other clauses. This takes that one clause out of the query
 * (the rest goes to the ordinary `$filter` parser) and says which log it asks for: undefined when
 * the filter names no event type (the user sign-ins, as the listing has always answered).
 */
export function takeEventType(query: unknown): { eventType?: SignInEventType; query: unknown } {
  const q = (query ?? {}) as Record<string, unknown>;
  const filter = q.$filter;
  if (typeof filter !== 'string' || !/signInEventTypes/i.test(filter)) return { query };
  const match = ANY_CLAUSE.exec(filter);
  if (!match)
    throw new GraphError(
      'Request_UnsupportedQuery',
      "signInEventTypes is filtered as signInEventTypes/any(t: t eq 'servicePrincipal').",
    );
  const eventType = match[2]!;
  if (!EVENT_TYPES.has(eventType))
    throw new GraphError(
      'Request_UnsupportedQuery',
      `The sign-in event type '${eventType}' is not supported; use interactiveUser, nonInteractiveUser or servicePrincipal.`,
    );
  const before = filter.slice(0, match.index).trim();
  const after = filter.slice(match.index + match[0].length).trim();
  const rest =
    before === '' && after === ''
      ? undefined
      : before === '' && /^and\s/i.test(after)
        ? after.slice(3).trim()
        : after === '' && /\sand$/i.test(before)
          ? before.slice(0, -3).trim()
          : /\sand$/i.test(before) && /^and\s/i.test(after)
            ? `${before} ${after.slice(3).trim()}`
            : null;
  if (rest === null || /signInEventTypes/i.test(rest ?? ''))
    throw new GraphError(
      'Request_UnsupportedQuery',
      'signInEventTypes/any(...) may be given once, joined to the other clauses with and.',
    );
  const { $filter: _, ...others } = q;
  return {
    eventType: eventType as SignInEventType,
    query: rest === undefined ? others : { ...others, $filter: rest },
  };
}
