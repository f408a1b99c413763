import { type Flags, type Invocation, stringFlag } from '../command.ts';
import { type CliError, NotSignedInError, RefusedError, ServerError, UsageError } from '../errors.ts';
import type { Progress } from '../output.ts';
import { GRAPH } from '../session/access-token.ts';
import { fetchFrom } from '../session/network.ts';
import { hintFor, type Target, tokenFor } from './target.ts';

export interface ApiAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: API bodies are read field by field
  body: any;
}

/** One request to an API of the server with the signed-in user's bearer token. */
export async function apiRequest(
  target: Target,
  token: string,
  method: string,
  url: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {
    ...extraHeaders,
    authorization: `Bearer ${token}`,
    accept: 'application/json',
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetchFrom(target.server, url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    body: parsed,
  };
}

/**
 * A Partner API error body as a CLI error, named by Warden's stable `wardenCode` (the body's
 * `code` is Partner Center's number, docs/errors.md); a 401 for want of MFA says to sign in with it.
 */
export function partnerApiFailure(
  target: Target,
  tenant: string,
  answer: ApiAnswer,
  mfaNeed = 'The Partner API needs a sign-in with MFA (SPEC E2).',
): CliError {
  const named = answer.body?.wardenCode;
  const code = typeof named === 'string' ? named : `HTTP ${answer.status}`;
  const text = `${code}: ${answer.body?.description ?? answer.statusText}`;
  if (answer.status === 401)
    return new NotSignedInError(
      text,
      code === 'mfa_required' ? `${mfaNeed} ${hintFor(target, tenant)} --mfa` : hintFor(target, tenant),
    );
  if (answer.status >= 500) return new ServerError(text);
  return new RefusedError(text);
}

/** A Graph error body `{ error: { code, message, innerError: { request-id, date } } }` as a CLI error. */
function graphFailure(target: Target, tenant: string, answer: ApiAnswer): CliError {
  const error = (
    answer.body as { error?: { code?: string; message?: string; innerError?: Record<string, string> } }
  )?.error;
  const code = error?.code ?? `HTTP ${answer.status}`;
  const requestId = error?.innerError?.['request-id'];
  const text = `${code}: ${error?.message ?? answer.statusText}${requestId ? ` (request-id ${requestId})` : ''}`;
  if (answer.status === 401) {
    const mfa = code === 'Authentication_MfaRequired';
    return new NotSignedInError(
      text,
      mfa
        ? `Administrators need a sign-in with MFA (SPEC §5). ${hintFor(target, tenant)} --mfa`
        : hintFor(target, tenant),
    );
  }
  if (answer.status >= 500) return new ServerError(text);
  return new RefusedError(text);
}

/** A Graph request (`/v1.0/…`) as the signed-in user; a Graph error becomes a CLI error. */
export async function graph(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer['body']> {
  const { token, session } = await tokenFor(target, GRAPH);
  const answer = await apiRequest(target, token, method, `${target.server}/v1.0${path}`, body);
  if (answer.status >= 400) throw graphFailure(target, session.tenantName, answer);
  return answer.body;
}

/** The --page-size flag of the commands that list a collection: Graph's `$top`. */
export const PAGE_SIZE_FLAG: Flags = {
  'page-size': {
    type: 'string',
    value: '<n>',
    description: "Items per request (OData $top, 1 to 999; default: the server's).",
  },
};

/** A collection path with the query options given (values encoded), `$top` from --page-size. */
export function collectionPath(
  path: string,
  invocation: Invocation,
  query: Record<string, string | undefined>,
): string {
  const pageSize = stringFlag(invocation, 'page-size');
  if (pageSize !== undefined && !/^[1-9]\d{0,2}$/.test(pageSize))
    throw new UsageError(`--page-size must be a whole number from 1 to 999, not '${pageSize}'.`);
  const options = Object.entries({ ...query, $top: pageSize }).filter(([, v]) => v !== undefined);
  return options.length
    ? `${path}?${options.map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join('&')}`
    : path;
}

/**
 * Every item of a Graph collection, following `@odata.nextLink` to the end. A next link must stay
 * on the same server: the bearer token is never sent anywhere else.
 */
export async function graphAll(
  target: Target,
  path: string,
  progress: Progress,
  noun: string,
): Promise<unknown[]> {
  const { token, session } = await tokenFor(target, GRAPH);
  const items: unknown[] = [];
  let url = `${target.server}/v1.0${path}`;
  for (let page = 1; ; page++) {
    const answer = await apiRequest(target, token, 'GET', url);
    if (answer.status >= 400) {
      progress.done();
      throw graphFailure(target, session.tenantName, answer);
    }
    items.push(...((answer.body?.value as unknown[]) ?? []));
    progress.update(`${items.length} ${noun} (page ${page})…`);
    const next = answer.body?.['@odata.nextLink'];
    if (typeof next !== 'string') break;
    if (new URL(next).origin !== new URL(target.server).origin) {
      progress.done();
      throw new ServerError(
        `The server's next page link points elsewhere (${new URL(next).origin}); stopped.`,
      );
    }
    url = next;
  }
  progress.done();
  return items;
}
