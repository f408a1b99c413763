import type { FastifyReply } from 'fastify';
import { html } from '../http/html.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import { dashboardPage } from './views/layout.ts';

/**
 * Every dashboard response goes out with the strict security headers (CSP, no framing, no-store),
 * and `Referrer-Policy: same-origin`, so that its forms arrive with their real `Origin`
 * (same-origin.ts refuses any other).
 */
export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  setSecurityHeaders(reply.raw, [], 'same-origin');
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** 303 See Other: the browser follows with a GET, whatever the method was. */
export function redirect(reply: FastifyReply, location: string): FastifyReply {
  setSecurityHeaders(reply.raw, [], 'same-origin');
  return reply.redirect(location, 303);
}

/** A page that says what went wrong and offers to start again (sign-in and sign-out failures). */
export function problem(reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
  return sendPage(
    reply,
    status,
    dashboardPage(title, html`<p>${message}</p><p><a href="/dashboard">Start again</a></p>`),
  );
}
