import type { FastifyRequest } from 'fastify';
import { canonicalGuid } from '../guid.ts';

/**
 * GUIDs compare case-insensitively (RFC 9562 §4): an id in the path or the query names the same
 * object in upper or lower case. Warden stores them lower-case, so the gate rewrites each path
 * parameter and query value that is a GUID to that form before validation and the handler.
 */
export function canonicaliseGuids(req: FastifyRequest): void {
  for (const values of [req.params, req.query]) {
    if (!values || typeof values !== 'object') continue;
    const record = values as Record<string, unknown>;
    for (const [name, value] of Object.entries(record)) {
      const guid = canonicalGuid(value);
      if (guid !== undefined && guid !== value) record[name] = guid;
    }
  }
}
