import type { Adapter, AdapterPayload, KoaContextWithOIDC } from 'oidc-provider';
import Provider from 'oidc-provider';
import type { Clock } from '../clock.ts';
import { delegatedAdminMayUseResource } from '../delegated-admin/delegated-access.ts';
import type { Tenant } from '../directory/tenants.ts';
import { isThirdPartyApplication, publisherTenantIdOf } from '../directory/third-party-applications.ts';
import { consentedScopes } from '../directory/user-consents.ts';
import { parseServiceProviderAccountId } from '../sessions/service-provider-account.ts';
import type { Db } from '../storage/database.ts';
import type { ProviderMiddleware } from './device-polling.ts';
import { answerEntraTokenError, type EntraTokenError } from './entra-token-error.ts';
import { resourcesFromScope } from './resource-selection.ts';
import { type ResolvedResource, resolveResourceServer } from './resource-servers.ts';

/*
 * Entra behaviour (reference §3.1–3.2; issue 13): a refresh token serves any resource the client
 * may call and the user has consented to, not only those named at the first sign-in — so a tool
 * signed in once for the Partner API gets a Graph token from the same chain, with no second
 * sign-in. Still one audience per token (resource-selection.ts), and the chain is the same: the
 * account is found again by oidc-provider (findDelegatedAccount for a partner user, SPEC E3), the
 * token rotates, its `amr`/`acr`/`auth_time` are the first sign-in's, its refusals (700082, 50173)
 * are unchanged.
 *
 * oidc-provider (unforked) checks the requested scope against the presented refresh token before
 * any hook runs. So the decision is taken where oidc-provider reads that token: the refresh token
 * model's adapter (widenOnRedemption) looks at the request being served (oidc-provider's
 * AsyncLocalStorage, as clients.ts does) and, when its one asked-for resource is new to the chain
 * and allowed, hands oidc-provider the token with that resource and its scopes added. The grant
 * takes the same scopes when the token rotates (grantWidenedResource). A refusal changes nothing:
 * oidc-provider refuses as before, the presented token still works, and the answer is Entra's
 * (consentedResourceAnswers): 65001 consent required, or 70011 for a scope the resource lacks.
 */

interface Widening {
  resource: string;
  /** Every scope the chain may now be redeemed with for the resource (`.default` included). */
  scopes: string[];
}

const widenings = new WeakMap<object, Widening>();
const refusals = new WeakMap<object, EntraTokenError>();

/** The request oidc-provider is serving, when there is one. */
function currentRequest(): KoaContextWithOIDC | undefined {
  return (Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx;
}

/** The refresh token adapter, deciding at each redemption whether the asked resource may join the chain. */
export function widenOnRedemption(inner: Adapter, db: Db, tenant: Tenant): Adapter {
  return {
    upsert: (id, payload, expiresIn) => inner.upsert(id, payload, expiresIn),
    findByUserCode: (userCode) => inner.findByUserCode(userCode),
    findByUid: (uid) => inner.findByUid(uid),
    consume: (id) => inner.consume(id),
    destroy: (id) => inner.destroy(id),
    revokeByGrantId: (grantId) => inner.revokeByGrantId(grantId),
    async find(id) {
      const payload = await inner.find(id);
      const ctx = currentRequest();
      // A used-up token is widened too, so that oidc-provider reaches its replay check (which ends
      // the chain) instead of stopping at the scope check.
      if (!payload || !ctx) return payload;
      const params = ctx.oidc?.params as Record<string, unknown> | undefined;
      if (ctx.oidc.route !== 'token' || params?.grant_type !== 'refresh_token' || params.refresh_token !== id)
        return payload;
      const client = ctx.oidc.client;
      if (!client || payload.clientId !== client.clientId || typeof payload.accountId !== 'string')
        return payload;
      const asked = askedResource(params);
      const granted = payload.resource === undefined ? [] : ([] as string[]).concat(payload.resource);
      if (!asked || granted.includes(asked.resource)) return payload;
      const decision = await decide(db, tenant, client, payload.accountId, asked);
      if ('refusal' in decision) {
        refusals.set(ctx, decision.refusal);
        return payload;
      }
      widenings.set(ctx, decision);
      const scope = new Set(
        String(payload.scope ?? '')
          .split(' ')
          .filter(Boolean),
      );
      for (const s of decision.scopes) scope.add(s);
      return {
        ...payload,
        resource: [...granted, asked.resource],
        scope: [...scope].join(' '),
      } as AdapterPayload;
    },
  };
}

/**
 * Runs in oidc-provider's `rotateRefreshToken` hook, before the grant is saved (rolling-chains.ts):
 * the grant of a chain widened for this request holds the new resource's scopes from now on, as
 * the rotated refresh token does.
 */
export function grantWidenedResource(ctx: KoaContextWithOIDC): void {
  const widening = widenings.get(ctx);
  const grant = ctx.oidc.entities.Grant as { addResourceScope(r: string, s: string): void } | undefined;
  if (widening && grant) grant.addResourceScope(widening.resource, widening.scopes.join(' '));
}

/** The one resource a refresh request names (by `resource=` or by its scopes), with the scopes asked for it. */
function askedResource(params: Record<string, unknown>): { resource: string; scopes: string[] } | undefined {
  const scope = typeof params.scope === 'string' ? params.scope.split(' ').filter(Boolean) : [];
  let resource: string | undefined;
  if (typeof params.resource === 'string') resource = params.resource;
  else {
    const named = resourcesFromScope(params.scope);
    if (named.length !== 1) return undefined; // none, or two: resource-selection.ts answers
    resource = named[0];
  }
  if (!resource) return undefined;
  const scopes = scope.filter((s) => s.startsWith(`${resource}/`));
  return { resource, scopes: scopes.length ? scopes : [`${resource}/.default`] };
}

/**
 * Whether the chain's client and account may have the resource: it exists at this authority, each
 * scope asked is one it defines (else 70011), and each is granted (else 65001) — for a first-party
 * client (of this tenant or the operator) what it may ask for: the scopes it is allowed of Warden's
 * own resources, every scope of its own tenant's APIs; for a third-party client, what the user
 * consented to it for that resource (SPEC §10 consent, given with MFA: directory/user-consents.ts).
 * `.default` stands for every scope granted.
 */
async function decide(
  db: Db,
  tenant: Tenant,
  client: NonNullable<KoaContextWithOIDC['oidc']['client']>,
  accountId: string,
  asked: { resource: string; scopes: string[] },
): Promise<Widening | { refusal: EntraTokenError }> {
  const server = await resolveResourceServer(db, tenant.id, asked.resource);
  if (!server)
    return {
      refusal: {
        error: 'invalid_resource',
        code: 500011,
        message: `The resource principal named ${asked.resource} was not found in the tenant named ${tenant.display_name}.`,
      },
    };
  // SPEC E3: a partner user's chain reaches Warden's own resources only (delegated-access.ts).
  if (parseServiceProviderAccountId(accountId) && !delegatedAdminMayUseResource(server))
    return {
      refusal: {
        error: 'invalid_resource',
        code: 500011,
        message: `The resource principal named ${asked.resource} is not available to a partner's user acting in the tenant named ${tenant.display_name}.`,
      },
    };
  const unknown = asked.scopes.filter((s) => !server.scopes.includes(s));
  if (unknown.length)
    return {
      refusal: {
        error: 'invalid_scope',
        code: 70011,
        message: `The provided value for the input parameter 'scope' is not valid. The scope ${unknown.join(' ')} is not valid: ${asked.resource} does not define it.`,
      },
    };
  const granted = await grantedScopes(db, tenant, client, accountId, server);
  const named = asked.scopes.filter((s) => !s.endsWith('/.default'));
  if (granted.length === 0 || named.some((s) => !granted.includes(s)))
    return {
      refusal: {
        error: 'invalid_grant',
        code: 65001,
        suberror: 'consent_required',
        message: `The user or administrator has not consented to use the application with ID '${client.clientId}' named '${client.clientName ?? client.clientId}' for ${asked.resource}. Send an interactive authorization request for this user and resource.`,
      },
    };
  return { resource: asked.resource, scopes: [...granted, `${asked.resource}/.default`] };
}

async function grantedScopes(
  db: Db,
  tenant: Tenant,
  client: NonNullable<KoaContextWithOIDC['oidc']['client']>,
  accountId: string,
  server: ResolvedResource,
): Promise<string[]> {
  const defined = server.scopes.filter((s) => !s.endsWith('/.default'));
  const thirdParty = await isThirdPartyApplication(db, tenant.id, publisherTenantIdOf(client));
  if (thirdParty) {
    const consented = await consentedScopes(db, tenant.id, {
      accountId,
      clientId: client.clientId,
      resource: server.identifier,
    });
    return defined.filter((s) => consented.includes(s));
  }
  if (server.applicationId !== undefined) return defined; // an API of this tenant, to a first-party client
  const allowed = new Set(String(client.scope ?? '').split(' '));
  return defined.filter((s) => allowed.has(s));
}

/**
 * Entra's answer when the resource may not join the chain (oidc-provider refused the request as
 * `invalid_scope` or `invalid_target`, the presented token untouched); registered inside
 * refreshChainAnswers, so the sign-in log gets the Entra code.
 */
export function consentedResourceAnswers(clock: Clock): ProviderMiddleware {
  return async (ctx, next) => {
    await next();
    const refusal = refusals.get(ctx);
    const body = ctx.body as { error?: unknown } | undefined;
    if (!refusal || (body?.error !== 'invalid_scope' && body?.error !== 'invalid_target')) return;
    answerEntraTokenError(ctx, clock.now(), refusal);
  };
}
