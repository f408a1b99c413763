import { randomUUID } from 'node:crypto';
import { canonicalGuid } from '../guid.ts';

/** An error of the token endpoint as Entra words it: an OAuth `error` and an AADSTS number. */
export interface EntraTokenError {
  /** RFC 6749 §5.2 `error`. */
  error: string;
  /** The AADSTS number (`error_codes`). */
  code: number;
  /** The description after `AADSTS{code}: `. */
  message: string;
  /** Entra's `suberror`, which MSAL reads (`basic_action`, `bad_token`…). */
  suberror?: string;
  /** A claims challenge for the client to hand back (Entra's `claims`). */
  claims?: string;
}

/**
 * Answers the token request with Entra's error body (reference §3.2): the OAuth fields, the
 * AADSTS number in `error_codes` and at the head of the description, and the trace id,
 * correlation id (the client's `client-request-id`, as Entra echoes MSAL's) and timestamp both
 * in the description and as fields. Returns the correlation id, for the sign-in log.
 */
/** What of a Koa context the answer needs. */
interface TokenResponseContext {
  get(header: string): string;
  status: number;
  body: unknown;
}

export function answerEntraTokenError(ctx: TokenResponseContext, now: number, e: EntraTokenError): string {
  const traceId = randomUUID();
  const correlationId = canonicalGuid(ctx.get('client-request-id')) ?? randomUUID();
  const timestamp = new Date(now)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  ctx.status = 400;
  ctx.body = {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [e.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    ...(e.suberror ? { suberror: e.suberror } : {}),
    ...(e.claims ? { claims: e.claims } : {}),
  };
  return correlationId;
}

/** A duration as Entra prints one (.NET TimeSpan): `d.hh:mm:ss`. */
export function timeSpan(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(total / 86_400);
  return `${days}.${pad(Math.floor((total % 86_400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}
