import { DatabaseUnavailable } from '../storage/unavailable.ts';

/**
 * "Not now, try again": every surface answers 503 with Retry-After (RFC 9110 §15.6.4, §10.2.3)
 * when the database does not answer in time or when Warden is at its concurrency limit, each in
 * its own shape (issue 9 item 7). This module says which errors mean that and for how long.
 */

/** Seconds a client should wait: the database needs a moment; a shed request may retry at once. */
export const RETRY_AFTER_SECONDS = { database: 5, overloaded: 1 } as const;

/** Thrown for a request over WARDEN_MAX_CONCURRENT_REQUESTS (load-shedding.ts), before any work. */
export class Overloaded extends Error {
  constructor() {
    // An expected outcome under load, not a bug: no stack trace.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super('Warden is serving as many requests as it may at once.');
    Error.stackTraceLimit = limit;
    this.name = 'Overloaded';
  }
}

/** The Retry-After seconds when `error` means "temporarily unavailable", else undefined. */
export function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof DatabaseUnavailable) return RETRY_AFTER_SECONDS.database;
  if (error instanceof Overloaded) return RETRY_AFTER_SECONDS.overloaded;
  return undefined;
}

/** What the user or client is told (never the cause's detail: that is for the server log). */
export function unavailableDescription(error: unknown): string {
  return error instanceof Overloaded
    ? 'Warden is busy; try again in a moment.'
    : 'Warden cannot reach its database right now; try again in a moment.';
}

/** RFC 6749 §4.1.2.1, §5.2 shape, as the authority endpoints answer. */
export function oauthUnavailableBody(error: unknown): { error: string; error_description: string } {
  return { error: 'temporarily_unavailable', error_description: unavailableDescription(error) };
}

/** Whether the client asked for a page (a browser) rather than JSON, as oidc-provider decides. */
export function wantsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html !== -1 && (json === -1 || html < json);
}
