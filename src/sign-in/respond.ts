import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { setSecurityHeaders } from '../http/security-headers.ts';

/** Sends a sign-in page under the strict CSP; `redirectOrigin` is where its forms may end up. */
export function sendPage(reply: FastifyReply, status: number, body: string, redirectOrigin?: string): void {
  setSecurityHeaders(reply.raw, redirectOrigin ? [redirectOrigin] : []);
  reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** Hands the result to oidc-provider, which redirects to the authorization endpoint to resume. */
export async function finishInteraction(
  provider: Provider,
  req: FastifyRequest,
  reply: FastifyReply,
  result: Parameters<Provider['interactionFinished']>[2],
  redirectOrigin: string | undefined,
  merge = false,
): Promise<void> {
  reply.hijack();
  setSecurityHeaders(reply.raw, redirectOrigin ? [redirectOrigin] : []);
  await provider.interactionFinished(req.raw, reply.raw, result, { mergeWithLastSubmission: merge });
}
