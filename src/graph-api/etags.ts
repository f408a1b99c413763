import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GraphError } from '../errors/graph-errors.ts';

/**
 * `@odata.etag` and `If-Match` for the objects Graph guards with them (reference §1.1
 * "Concurrency": GDAP relationships and access assignments). The tag is weak, like Graph's, and
 * opaque: a digest of the object's id and its version, so a tag of one object never matches another.
 */
export function etagOf(id: string, version: number): string {
  const digest = createHash('sha256').update(`${id}:${version}`).digest('base64url').slice(0, 22);
  return `W/"${digest}"`;
}

/** The opaque part of an entity tag, weak or strong (`W/"x"` and `"x"` compare equal: weak comparison). */
function opaqueOf(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/**
 * RFC 9110 §13.1.1 for a change that needs a precondition: no `If-Match` is 428 (RFC 6585 §3, Graph
 * requires the header); `*` or a list holding the current tag passes; anything else is 412. Graph
 * sends and takes weak tags in If-Match, so tags compare weakly here (Warden's are never strong).
 */
export function requireIfMatch(req: FastifyRequest, current: string): void {
  const header = req.headers['if-match'];
  if (header === undefined || header.trim() === '')
    throw new GraphError(
      'preconditionRequired',
      'Send If-Match with the @odata.etag of the object as last read.',
    );
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return;
  const wanted = opaqueOf(current);
  const tags = value.split(',').map(opaqueOf);
  if (!tags.includes(wanted))
    throw new GraphError(
      'preconditionFailed',
      'The object changed since it was read: its @odata.etag is not the one sent in If-Match.',
    );
}

/** An optional `If-Match` (the requests of §1.4): checked when sent, else nothing is required. */
export function checkIfMatchWhenSent(req: FastifyRequest, current: string): void {
  if (req.headers['if-match'] !== undefined) requireIfMatch(req, current);
}
