import { applyEvent } from '../../src/delegated-admin/relationships.ts';
import { createApplication } from '../../src/directory/applications.ts';
import { MFA_ACR } from '../../src/policy/acr.ts';
import { GRAPH_API } from '../../src/tokens/audiences.ts';
import { GRAPH_SCOPE } from './graph.ts';
import type { TestWarden } from './harness.ts';
import { completeSecondStep, redeem, startAuthorization } from './oidc.ts';
import { type ApiResponse, appOnlyToken, callApi } from './tokens.ts';
import { UserAgent } from './user-agent.ts';

export const RELATIONSHIPS = '/v1.0/tenantRelationships/delegatedAdminRelationships';
export const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
export const HELPDESK_ADMIN = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
export const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';

let n = 0;

/** Terms of a new relationship (a fresh displayName each time) with `overrides`. */
export function terms(w: TestWarden, overrides: Record<string, unknown> = {}) {
  return {
    displayName: `Graph GDAP ${++n}`,
    duration: 'P30D',
    customer: { tenantId: w.demo.tenants.northwind!.id },
    accessDetails: { unifiedRoles: [{ roleDefinitionId: USER_ADMIN }, { roleDefinitionId: HELPDESK_ADMIN }] },
    autoExtendDuration: 'PT0S',
    ...overrides,
  };
}

/** The Graph GDAP calls the tests make as the holder of `token`. */
export function gdapApi(w: TestWarden, token: string) {
  const call = (method: string, path: string, options: { body?: unknown; etag?: string } = {}) =>
    callApi(w, method, `${RELATIONSHIPS}${path}`, {
      token,
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.etag ? { headers: { 'if-match': options.etag } } : {}),
    });
  return {
    call,
    create: (overrides: Record<string, unknown> = {}) => call('POST', '', { body: terms(w, overrides) }),
    get: (id: string) => call('GET', `/${id}`),
    patch: (id: string, body: unknown, etag?: string) =>
      call('PATCH', `/${id}`, { body, ...(etag ? { etag } : {}) }),
    request: (id: string, action: string) => call('POST', `/${id}/requests`, { body: { action } }),
    /** A new relationship locked for approval, as the partner leaves it for the customer. */
    async locked(overrides: Record<string, unknown> = {}): Promise<ApiResponse> {
      const created = await call('POST', '', { body: terms(w, overrides) });
      if (created.status !== 201) throw new Error(JSON.stringify(created.body));
      const lock = await call('POST', `/${created.body.id}/requests`, {
        body: { action: 'lockForApproval' },
      });
      if (lock.status !== 201) throw new Error(JSON.stringify(lock.body));
      return call('GET', `/${created.body.id}`);
    },
  };
}

/** The customer's approval, as its admin center page makes it (another part's page; the domain call). */
export function approveAsCustomer(w: TestWarden, customerTenantId: string, id: string) {
  return applyEvent(
    w.ctx.db,
    { customerTenantId },
    id,
    { event: 'approve', actor: 'customer', approvedBy: 'admin@northwind.example' },
    w.clock.now(),
  );
}

/** An app-only Graph token of a new application of `tenantKey` granted `roles`. */
export async function appWithRoles(w: TestWarden, tenantKey: string, roles: string[]): Promise<string> {
  const tenant = w.demo.tenants[tenantKey]!;
  const { application, clientSecret } = await createApplication(
    w.ctx.db,
    w.ctx.secrets,
    tenant.id,
    {
      displayName: `GDAP app ${++n}`,
      clientType: 'confidential',
      grantedAppRoles: roles,
      allowedScopes: [`${GRAPH_API}/.default`],
    },
    w.clock.now(),
  );
  return appOnlyToken(w, application.id, clientSecret, tenantKey, `${GRAPH_API}/.default`);
}

/**
 * An App+User Graph token with `mfa` for any user with a TOTP seed, also one no policy asks MFA of
 * (an agent who is no administrator): the client asks for it (OIDC Core §3.1.2.1 `acr_values`).
 */
export async function mfaGraphToken(w: TestWarden, upn: string): Promise<string> {
  const tenantKey = upn.split('@')[1]!.split('.')[0]!;
  const start = await startAuthorization(w, tenantKey, { scope: GRAPH_SCOPE, acr_values: MFA_ACR });
  const ua = new UserAgent();
  await ua.navigate(start.url);
  const password = await ua.submit('password', { username: upn, password: w.demo.password });
  const { at } = await completeSecondStep(w, ua, { at: password, upn, mfa: true });
  return (await redeem(start, at)).access_token;
}
