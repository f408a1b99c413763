import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { WardenContext } from '../context.ts';
import type { Tenant } from '../directory/tenants.ts';
import type { ApplicationPublisher } from '../directory/third-party-applications.ts';
import type { Flow } from './flow.ts';

/** What the consent step (consent.ts) and its record (consent-record.ts) are given. */
export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface ConsentRequest {
  ctx: WardenContext;
  provider: Provider;
  details: InteractionDetails;
  tenant: Tenant;
  client: Awaited<ReturnType<Provider['Client']['find']>>;
  /** Who published the client, and whether that makes it a third party here. */
  application: ApplicationPublisher;
  flow: Flow;
  req: FastifyRequest;
  reply: FastifyReply;
  form: Record<string, string> | undefined;
  redirectOrigin: string | undefined;
}

export interface MissingGrant {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}
