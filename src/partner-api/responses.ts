import type { FastifyReply } from 'fastify';
import type { PartnerApiError } from '../errors/partner-api-errors.ts';

/** Partner Center's `Link` (pc:developer/utility-resources.md): `{ uri, method, headers }`. */
export interface Link {
  uri: string;
  method: string;
  headers: { key: string; value: string }[];
}

export function selfLink(uri: string): Link {
  return { uri, method: 'GET', headers: [] };
}

/**
 * Partner Center's collection shape: `{ totalCount, items, links, attributes: { objectType } }`;
 * a seek-paged one has `links.next` while more items follow (`totalCount` counts this page's, as
 * Partner Center's does).
 */
export function collection<T>(items: T[], selfUri: string, next?: Link) {
  return {
    totalCount: items.length,
    items,
    links: { self: selfLink(selfUri), ...(next ? { next } : {}) },
    attributes: { objectType: 'Collection' },
  };
}

/**
 * Partner Center's error shape (pc:developer/error-codes.md): `{ code, description, data, source }`
 * with `code` Partner Center's number and `source` the service Partner Center names in its answers
 * (`PartnerFD`, its front door), plus Warden's stable name of the refusal, `wardenCode`.
 */
export function sendError(reply: FastifyReply, error: PartnerApiError): FastifyReply {
  return reply.code(error.status).type('application/json; charset=utf-8').send(errorBody(error));
}

/**
 * The same answer from an `onSend` hook, which cannot call `send()`: replaces the status, the
 * headers that belonged to the old answer and its reason phrase, and returns the new body.
 */
export function replaceWithError(reply: FastifyReply, error: PartnerApiError): string {
  reply.code(error.status).type('application/json; charset=utf-8');
  reply.removeHeader('location').removeHeader('www-authenticate');
  reply.raw.statusMessage = ''; // Node then sends the status code's own phrase
  return JSON.stringify(errorBody(error));
}

function errorBody(error: PartnerApiError) {
  return {
    code: error.number,
    description: error.message,
    data: error.data,
    source: 'PartnerFD',
    wardenCode: error.code,
  };
}

export function money(cents: number): number {
  return cents / 100;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
