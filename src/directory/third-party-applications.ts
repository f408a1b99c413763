import type { Db } from '../storage/database.ts';
import { getTenant, type Tenant } from './tenants.ts';

/**
 * Whether an application signing users in at a tenant's authority is a third party to it (SPEC
 * §10, reference §3): a multi-tenant application published by another tenant that is not the
 * operator. Its users are asked for consent, and that consent always needs MFA. An application of
 * the tenant itself or of the operator (first party) is trusted. An application whose publisher
 * is unknown counts as a third party (fail closed).
 */
export interface ApplicationPublisher {
  /** The tenant that registered the application, when it still exists. */
  publisher: Tenant | undefined;
  thirdParty: boolean;
}

export async function applicationPublisher(
  db: Db,
  authority: Tenant,
  publisherTenantId: string | undefined,
): Promise<ApplicationPublisher> {
  if (publisherTenantId !== undefined && publisherTenantId === authority.id) {
    return { publisher: authority, thirdParty: false };
  }
  const publisher = publisherTenantId ? await getTenant(db, publisherTenantId) : undefined;
  return { publisher, thirdParty: publisher?.kind !== 'operator' };
}

/** applicationPublisher's `thirdParty` alone: an application of the authority's own tenant is read from nothing. */
export async function isThirdPartyApplication(
  db: Db,
  authorityTenantId: string,
  publisherTenantId: string | undefined,
): Promise<boolean> {
  if (publisherTenantId !== undefined && publisherTenantId === authorityTenantId) return false;
  const publisher = publisherTenantId ? await getTenant(db, publisherTenantId) : undefined;
  return publisher?.kind !== 'operator';
}

/**
 * The publishing tenant named by a client's metadata (`urn:warden:home_tenant`, set from the
 * directory's application in src/tokens/clients.ts); undefined for anything else.
 */
export function publisherTenantIdOf(client: unknown): string | undefined {
  const value = (client as Record<string, unknown> | undefined)?.['urn:warden:home_tenant'];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The `consent` an authority's sign-in puts in its interaction result beside `login` when the
 * application is first party: the user has just signed in to an application their own tenant or
 * the operator trusts, so consent is implied and asked in no second interaction (issue 16 item 5:
 * one round trip fewer). The authority grants what the request asks (src/tokens/implied-consent.ts).
 * The result is kept server-side by oidc-provider, so a browser cannot set it.
 */
export const IMPLIED_CONSENT = { wardenImpliedConsent: true } as const;

export function isImpliedConsent(consent: unknown): boolean {
  return (consent as Record<string, unknown> | undefined)?.wardenImpliedConsent === true;
}
