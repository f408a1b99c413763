import type { JWK } from 'jose';
import Provider, { type Configuration, errors, type interactionPolicy } from 'oidc-provider';
import type { Logger } from 'pino';
import { renderProtocolError } from '../authority-pages/error-page.ts';
import type { Clock } from '../clock.ts';
import { delegatedAdminMayUseResource } from '../delegated-admin/delegated-access.ts';
import type { Tenant } from '../directory/tenants.ts';
import { getUser } from '../directory/users.ts';
import { activeUserRisk } from '../identity-protection/risk-state.ts';
import { SUPPORTED_ACR_VALUES } from '../policy/acr.ts';
import { mfaDemandedNow } from '../policy/current-requirement.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { deriveKey, type SecretBox } from '../security/secret-box.ts';
import { Throttle } from '../security/throttle.ts';
import { parseServiceProviderAccountId } from '../sessions/service-provider-account.ts';
import type { SignInCounter } from '../sign-in-logs/sign-in-log.ts';
import type { Db } from '../storage/database.ts';
import { appOnlySubject } from './app-only-subject.ts';
import { RESOURCE_SERVERS } from './audiences.ts';
import { AUTHORITY_ROUTES, issuerOf } from './authority-urls.ts';
import { clientAuthAnswers } from './client-auth-answers.ts';
import { clientInfo } from './client-info.ts';
import { DirectoryClientAdapter } from './clients.ts';
import { consentedResourceAnswers, grantWidenedResource, widenOnRedemption } from './consented-resources.ts';
import { CookieSigner } from './cookie-signatures.ts';
import { findDelegatedAccount } from './delegated-account.ts';
import { deviceFlowFeature } from './device-flow.ts';
import { devicePolling } from './device-polling.ts';
import { formPostPages } from './form-post-pages.ts';
import { loadExistingGrant } from './implied-consent.ts';
import { registerAuthorityTenant, wardenInteractionPolicy } from './interaction-policy.ts';
import { KyselyOidcAdapter } from './oidc-adapter.ts';
import { passwordGrantRefusal } from './password-grant.ts';
import { refreshChainAnswers } from './refresh-chain-answers.ts';
import { accountIdOfRequest } from './request-account.ts';
import { scopeAliasAnswers } from './resource-aliases.ts';
import { checkRefreshResource, defaultResource } from './resource-selection.ts';
import { resolveResourceServer } from './resource-servers.ts';
import { GRANT_TTL_S, keepGrantAlive, REFRESH_TOKEN_TTL_S } from './rolling-chains.ts';
import { rpInitiatedLogoutFeature } from './rp-initiated-logout.ts';
import { answerTemporarilyUnavailable } from './temporarily-unavailable.ts';
import { profileClaims, tokenClaims, type WardenAccount } from './token-claims.ts';
import { userCodeGuessing } from './user-code-guessing.ts';

/** RFC 8628 §3.2 `expires_in`: 15 minutes to enter the code and sign in, as Entra gives. */
const DEVICE_CODE_TTL = 900;

export interface ProviderDeps {
  db: Db;
  /** Unseals client secrets. */
  secrets: SecretBox;
  baseUrl: string;
  clock: Clock;
  log: Logger;
  shared: SharedProviderParts;
  /** Issue 16 item 2: the metrics, when on (sign-ins the token endpoint logs, token issuance). */
  metrics: (SignInCounter & TokenCounter) | undefined;
}

/** Token issuance by grant type (issue 16 item 2; metrics/metrics.ts). */
export interface TokenCounter {
  tokenIssued(grantType: unknown): void;
  tokenRefused(grantType: unknown, error: unknown): void;
}

/**
 * What every tenant's authority has alike, made once (issue 16 item 3: a cold authority builds
 * only its tenant's own parts): the signing keys, the cookie keys and the interaction policy.
 */
export interface SharedProviderParts {
  jwks: { keys: JWK[] };
  cookieKeys: CookieSigner;
  policy: interactionPolicy.Prompt[];
}

export function sharedProviderParts(
  deps: { db: Db; clock: Clock; masterKey: Buffer },
  signingKeys: JWK[],
): SharedProviderParts {
  return {
    jwks: { keys: signingKeys },
    // One key for every authority: a sign-in's cookies still verify on its authority rebuilt after an eviction.
    cookieKeys: new CookieSigner([deriveKey(deps.masterKey, 'cookies').toString('base64url')]),
    policy: wardenInteractionPolicy(deps.db, deps.clock),
  };
}

/**
 * Builds the oidc-provider for one tenant's authority. Protocol rules come from oidc-provider
 * (unforked); Warden supplies storage, accounts, claims and the interaction UI.
 */
export function createTenantProvider(deps: ProviderDeps, tenant: Tenant): Provider {
  const { db, secrets } = deps;

  const configuration: Configuration = {
    adapter: (model: string) =>
      model === 'Client'
        ? new DirectoryClientAdapter(db, secrets, tenant.id, deps.clock)
        : model === 'RefreshToken'
          ? // A refresh token serves any resource its client may call (consented-resources.ts).
            widenOnRedemption(new KyselyOidcAdapter(db, tenant.id, model, deps.clock), db, tenant)
          : new KyselyOidcAdapter(db, tenant.id, model, deps.clock),
    jwks: deps.shared.jwks as { keys: never[] },
    routes: AUTHORITY_ROUTES,
    cookies: {
      names: {
        session: `warden_session_${tenant.id}`,
        interaction: '_warden_interaction',
        resume: '_warden_interaction_resume',
      },
      keys: deps.shared.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    interactions: {
      url: (_ctx, interaction) => `/${tenant.id}/login/${interaction.uid}`,
      policy: deps.shared.policy,
    },
    // Discovery advertises exactly what works (clients.ts, client-assertions.ts): secrets in the body
    // or HTTP Basic, assertions signed with a secret (HS256) or a certificate's key, public clients.
    clientAuthMethods: [
      'none',
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
    ],
    enabledJWA: { clientAuthSigningAlgValues: ['HS256', 'RS256', 'PS256', 'ES256'] },
    scopes: [
      'openid',
      'profile',
      'email',
      'offline_access',
      ...[...RESOURCE_SERVERS.values()].flatMap((r) => r.scopes),
    ],
    acrValues: [...SUPPORTED_ACR_VALUES],
    extraParams: ['amr_values'],
    extraClientMetadata: {
      properties: [
        'urn:warden:home_tenant',
        'urn:warden:granted_app_roles',
        'urn:warden:service_principal_id',
      ],
    },
    claims: {
      // `idp` and `wids` only in a partner user's tokens at a customer's authority (SPEC E3).
      openid: ['sub', 'oid', 'tid', 'amr', 'acr', 'auth_time', 'idp', 'wids'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'upn', 'unique_name'],
      email: ['email'],
    },
    conformIdTokenClaims: false,
    pkce: { required: () => true }, // RFC 9700 §2.1.1: PKCE for every code flow; S256 only (oidc-provider default)
    // Every redemption rotates (SPEC §10); the resource asked for is checked first so a refused
    // request does not use the presented refresh token up, and the chain's grant lives on with it.
    rotateRefreshToken: async (ctx) => {
      checkRefreshResource(ctx);
      grantWidenedResource(ctx);
      await keepGrantAlive(ctx);
      return true;
    },
    // Entra behaviour: clients registered for the refresh_token grant get one from the code flow,
    // although oidc-provider drops `offline_access` without `prompt=consent` (OIDC Core §11), which
    // MSAL-style clients never send. The chain outlives the browser session (SAM, SPEC §10).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: () => false,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      // SPEC §10: a refresh token chain unused for 90 days expires; each rotation starts a new 90
      // days, and renews the grant (rolling-chains.ts): no absolute cap.
      Grant: GRANT_TTL_S,
      RefreshToken: REFRESH_TOKEN_TTL_S,
      DeviceCode: DEVICE_CODE_TTL,
    },
    responseTypes: ['code'], // no implicit or hybrid flows (RFC 9700 §2.1.2)
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 8628 (issue 4 item 2); the sign-in it starts is the same interaction as the code flow's.
      deviceFlow: deviceFlowFeature(tenant),
      claimsParameter: { enabled: true },
      revocation: {
        enabled: true,
        // RFC 7009 §2.1: a client revokes only tokens issued to it; another's is left alone
        // (and, as for an unknown token, the answer is still 200: §2.2).
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      // OpenID Connect RP-Initiated Logout 1.0 on Warden's pages (rp-initiated-logout.ts).
      rpInitiatedLogout: rpInitiatedLogoutFeature(tenant),
      resourceIndicators: {
        enabled: true,
        // Entra style: `scope=urn:warden:partner-api/user_impersonation` names its resource; one
        // sign-in may name several, and its refresh token then serves each (resource-selection.ts).
        defaultResource: defaultResource as never,
        useGrantedResource: () => true,
        // Warden's own resources and the tenant's registered APIs (resource-servers.ts).
        getResourceServerInfo: async (ctx, resource) => {
          const server = await resolveResourceServer(db, tenant.id, resource);
          if (!server) throw new errors.InvalidTarget('unknown resource');
          // A partner user at a customer's authority: Warden's own resources only (delegated-access.ts).
          const accountId = accountIdOfRequest(ctx);
          if (accountId && parseServiceProviderAccountId(accountId) && !delegatedAdminMayUseResource(server))
            throw new errors.InvalidTarget(
              "a partner's user acting in a customer tenant may use Warden's Graph and Partner API only, not the customer's own APIs",
            );
          return {
            scope: server.scopes.join(' '),
            audience: server.audience,
            accessTokenTTL: 3600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    findAccount: async (ctx, id, token): Promise<WardenAccount | undefined> => {
      // SPEC E3: a partner user on behalf of this customer, by an account id no own user can have.
      const serviceProvider = parseServiceProviderAccountId(id);
      if (serviceProvider)
        return findDelegatedAccount(db, deps.baseUrl, tenant, serviceProvider, {
          token,
          client: ctx.oidc.client,
          now: deps.clock.now(),
        });
      const user = await getUser(db, tenant.id, id);
      if (!user?.accountEnabled) return undefined;
      // SPEC §9: a user at high risk keeps no session and no refresh chain, with `mfa` or without:
      // they sign in again, where THE policy blocks them (50135) until remediated or dismissed.
      if ((await activeUserRisk(db, tenant.id, user.id)) === 'high') return undefined;
      // A refresh-token chain without `mfa` ends (invalid_grant) once policy demands MFA of the user.
      const chain = token as { kind?: string; amr?: string[] } | undefined;
      if (chain?.kind === 'RefreshToken' && !hasMfaProof(chain.amr)) {
        if (await mfaDemandedNow(db, tenant.id, user.id, deps.clock.now())) return undefined;
      }
      return { accountId: user.id, user, claims: () => profileClaims(user, tenant) };
    },
    extraTokenClaims: (ctx, token) => tokenClaims(ctx, token, tenant),
    // A sign-in to a first-party application implies its consent (no second interaction).
    loadExistingGrant,
    formats: {
      customizers: {
        jwt: async (ctx, token, jwt) => {
          // The `typ` header is the resource's choice (audiences.ts): Entra's `JWT` for Warden's own
          // resources and, by default, registered APIs; RFC 9068's `at+jwt` where an API asks for it.
          const identifier = token.resourceServer?.identifier();
          const server = identifier ? await resolveResourceServer(db, tenant.id, identifier) : undefined;
          jwt.header = { typ: server?.accessTokenType ?? 'JWT' };
          await appOnlySubject(ctx, token, jwt);
        },
      },
    },
    renderError: (ctx, out, error) => {
      if (answerTemporarilyUnavailable(ctx, error, 'page')) return;
      ctx.type = 'html';
      ctx.body = renderProtocolError({
        title: 'Sign-in could not continue',
        message: String(out.error_description ?? out.error),
        code: String(out.error),
      });
    },
    clientBasedCORS: () => true,
  };

  const provider = new Provider(issuerOf(deps.baseUrl, tenant.id), configuration);
  registerAuthorityTenant(provider, tenant.id);
  provider.use(formPostPages(tenant));
  provider.use(userCodeGuessing(new Throttle(db), deps.clock, tenant));
  provider.use(devicePolling(db, tenant.id, DEVICE_CODE_TTL));
  provider.use(passwordGrantRefusal(db, tenant, deps.clock, deps.metrics));
  provider.use(
    refreshChainAnswers(provider, { db, tenant, clock: deps.clock, log: deps.log, signIns: deps.metrics }),
  );
  provider.use(consentedResourceAnswers(deps.clock));
  provider.use(clientInfo());
  provider.use(scopeAliasAnswers());
  provider.use(clientAuthAnswers(deps.clock));
  // oidc-provider keeps why a client failed to authenticate out of its answer; Entra's code needs it.
  provider.on('grant.error', (ctx, error) => {
    const detail = (error as { error_detail?: unknown }).error_detail;
    if (typeof detail === 'string') ctx.state['urn:warden:client_auth_detail'] = detail;
  });
  // Issue 16 item 2: token issuance by grant type, as oidc-provider reports each token request.
  const metrics = deps.metrics;
  if (metrics) {
    provider.on('grant.success', (ctx) => metrics.tokenIssued(ctx.oidc.params?.grant_type));
    provider.on('grant.error', (ctx, error) =>
      metrics.tokenRefused(ctx.oidc.params?.grant_type, (error as { error?: unknown }).error),
    );
  }
  return provider;
}
