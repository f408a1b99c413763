/**
 * Whether an error Fastify raised before the handler is the client's fault: schema validation,
 * unparsable JSON, a wrong media type, a body too large (a 4xx status). Each API answers those
 * as its own bad-request code; anything else is a server error, logged.
 */
export function isRequestError(error: unknown): boolean {
  const e = error as { validation?: unknown; statusCode?: number };
  return Boolean(e.validation) || (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500);
}
