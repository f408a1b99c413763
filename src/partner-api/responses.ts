import type { FastifyReply } from 'fastify';
import type { PartnerApiError } from '../errors/partner-api-errors.ts';

/** Partner Center's collection shape: `{ totalCount, items, links, attributes: { objectType } }`. */
export function collection<T>(items: T[], selfUri: string) {
  return {
    totalCount: items.length,
    items,
    links: { self: { uri: selfUri, method: 'GET', headers: [] } },
    attributes: { objectType: 'Collection' },
  };
}

/** Partner Center's error shape: `{ code, description, data, source }`. */
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
  return { code: error.code, description: error.message, data: error.data, source: 'Warden.PartnerApi' };
}

export function money(cents: number): number {
  return cents / 100;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
