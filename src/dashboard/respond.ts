import type { FastifyReply } from 'fastify';
import { setSecurityHeaders } from '../http/security-headers.ts';

/** Every dashboard response goes out with the strict security headers (CSP, no framing, no-store). */
export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  setSecurityHeaders(reply.raw);
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** 303 See Other: the browser follows with a GET, whatever the method was. */
export function redirect(reply: FastifyReply, location: string): FastifyReply {
  setSecurityHeaders(reply.raw);
  return reply.redirect(location, 303);
}
