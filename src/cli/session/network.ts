import { type CliError, ServerError } from '../errors.ts';

/** The Node error code (ECONNREFUSED, ENOTFOUND, a TLS code, …) somewhere in an error's causes. */
function networkCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && /^(E[A-Z]+|UND_ERR_\w+|[A-Z_]*CERT[A-Z_]*|DEPTH_ZERO\w*)$/.test(e.code))
      return e.code;
  }
  return undefined;
}

/** What to tell the user when the server could not be reached at all. */
export function unreachable(server: string, error: unknown): CliError {
  const code = networkCode(error);
  if (code && /CERT|SELF_SIGNED|DEPTH_ZERO/.test(code)) {
    return new ServerError(
      `The TLS certificate of ${server} is not trusted (${code}).`,
      'For a self-signed certificate, point NODE_EXTRA_CA_CERTS at it: NODE_EXTRA_CA_CERTS=./cert.pem warden …',
    );
  }
  return new ServerError(
    `Cannot reach the Warden server at ${server}${code ? ` (${code})` : ''}.`,
    'Is it running? Name another server with --server <url> or WARDEN_SERVER.',
  );
}

/** fetch, with a network failure turned into the CLI's "server unreachable" error (exit 4). */
export async function fetchFrom(server: string, url: string | URL, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    throw unreachable(server, error);
  }
}

/** Whether an error is fetch's own network failure (as opposed to an HTTP answer). */
export function isNetworkFailure(error: unknown): boolean {
  return error instanceof TypeError && (error.message === 'fetch failed' || networkCode(error) !== undefined);
}
