import { IncomingMessage } from 'node:http';
import { DEVICE_CODE_GRANT } from './device-flow.ts';

/** Token requests are small forms; oidc-provider itself refuses bodies over 56 KiB. */
const LIMIT = 64 * 1024;

/**
 * A form sent to an authority, read at Warden's edge so that names oidc-provider does not know
 * can be put in their standard form before it parses the request (client id aliases:
 * client-id-aliases.ts; Entra's `grant_type=device_code`: below). `rewrite` changes the form in
 * place and says whether it did; an unchanged form is passed on byte for byte.
 */
export async function rewriteForm(
  req: IncomingMessage,
  rewrite: (form: URLSearchParams) => Promise<boolean>,
): Promise<IncomingMessage | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMIT) return 'too_large';
    chunks.push(chunk);
  }
  let body = Buffer.concat(chunks);
  const form = new URLSearchParams(body.toString('utf8'));
  if (await rewrite(form)) body = Buffer.from(form.toString(), 'utf8');
  const replay = new IncomingMessage(req.socket);
  replay.method = req.method;
  replay.url = req.url;
  replay.httpVersion = req.httpVersion;
  replay.httpVersionMajor = req.httpVersionMajor;
  replay.httpVersionMinor = req.httpVersionMinor;
  replay.headers = { ...req.headers, 'content-length': String(body.length) };
  replay.rawHeaders = req.rawHeaders;
  replay.push(body);
  replay.push(null);
  // The whole message is here: ending or destroying the replay must not close the connection.
  replay.complete = true;
  return replay;
}

/**
 * Entra's token endpoint also takes `grant_type=device_code`, and Microsoft's libraries send that
 * short name (MSAL's device code flow); oidc-provider knows the grant by its RFC 8628 name only.
 */
export function renameGrantTypeAlias(form: URLSearchParams): boolean {
  if (form.getAll('grant_type').length !== 1 || form.get('grant_type') !== 'device_code') return false;
  form.set('grant_type', DEVICE_CODE_GRANT);
  return true;
}
