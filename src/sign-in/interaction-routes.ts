import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { methodsOf } from '../authentication-methods/methods.ts';
import * as views from '../authority-pages/pages.ts';
import type { WardenContext } from '../context.ts';
import { getTenant, type Tenant } from '../directory/tenants.ts';
import { signInErrorMessage } from '../errors/sign-in-errors.ts';
import { setSecurityHeaders } from '../http/security-headers.ts';
import { acrFor } from '../policy/acr.ts';
import { safeEqual } from '../security/constant-time.ts';
import type { Flow } from './flow.ts';
import { enrolmentView, type StepInput, type StepOutcome } from './steps.ts';
import { ACTION_REFUSED, dispatch } from './transitions.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
interface Params {
  tenantId: string;
  uid: string;
}

/** The sign-in UI that oidc-provider sends users to: `/{tenantId}/login/{uid}` (issue 2 item 6). */
export function registerInteractionRoutes(app: FastifyInstance, ctx: WardenContext): void {
  app.get<{ Params: Params }>('/:tenantId/login/:uid', (req, reply) => handle(ctx, req, reply, undefined));
  app.post<{ Params: Params; Body: unknown }>('/:tenantId/login/:uid', (req, reply) =>
    handle(ctx, req, reply, formFields(req.body)),
  );
}

async function handle(
  ctx: WardenContext,
  req: FastifyRequest<{ Params: Params }>,
  reply: FastifyReply,
  form: Record<string, string> | undefined,
): Promise<void> {
  const entry = await ctx.authorities.forTenant(req.params.tenantId);
  const tenant = entry && (await getTenant(ctx.db, entry.tenant.id));
  if (!entry || !tenant)
    return sendPage(reply, 404, views.messagePage('Not found', 'This sign-in page does not exist.'));
  const { provider } = entry;
  let details: Details;
  try {
    details = await provider.interactionDetails(req.raw, reply.raw);
  } catch {
    return sendPage(
      reply,
      400,
      views.messagePage(
        'Sign-in expired',
        'This sign-in took too long or was already used. Go back to the application and start again.',
        {
          tenantName: tenant.display_name,
        },
      ),
    );
  }
  if (details.uid !== req.params.uid)
    return sendPage(reply, 400, views.messagePage('Sign-in expired', 'Start again.'));
  const now = ctx.clock.now();
  const client = await provider.Client.find(String(details.params.client_id));
  const redirectOrigin = safeOrigin(details.params.redirect_uri);

  const flow =
    (await ctx.flows.load(tenant.id, details.uid, now)) ??
    (await ctx.flows.start(tenant.id, details.uid, now));
  // CSRF (issue 2 item 6): every form of this interaction must return the flow's token.
  if (form && !safeEqual(String(form.csrf ?? ''), flow.data.csrf)) {
    return sendPage(
      reply,
      403,
      views.messagePage('Request refused', 'The form was not sent by this sign-in page. Start again.'),
    );
  }

  if (details.prompt.name === 'consent') {
    return handleConsent({ ctx, provider, details, tenant, client, flow, req, reply, form, redirectOrigin });
  }
  const input: StepInput = {
    ctx,
    tenant,
    flow,
    clientId: String(details.params.client_id),
    params: details.params as Record<string, unknown>,
    ip: req.ip,
    form: form ?? {},
  };

  let outcome: StepOutcome = { kind: 'show', state: flow.state };
  if (form) {
    // THE table decides (transitions.ts): a refused action runs nothing and shows the same page.
    const ran = await dispatch(input, String(form.action ?? ''));
    if (ran) outcome = ran;
    else flow.data.error = ACTION_REFUSED;
  }

  if (outcome.kind === 'locked' || outcome.kind === 'blocked') {
    await ctx.flows.end(flow);
    const stop =
      outcome.kind === 'locked'
        ? { status: 429, title: 'Try again later', message: signInErrorMessage(50053), code: 50053 }
        : { status: 403, title: 'Sign-in blocked', message: outcome.reason, code: outcome.code };
    return sendPage(
      reply,
      stop.status,
      views.messagePage(stop.title, stop.message, { tenantName: tenant.display_name, code: stop.code }),
    );
  }
  if (outcome.kind === 'cancel') {
    await ctx.flows.end(flow);
    const result = { error: 'access_denied', error_description: 'The user cancelled the sign-in.' };
    return finishInteraction(provider, req, reply, result, redirectOrigin);
  }
  if (outcome.kind === 'finish') {
    await ctx.flows.end(flow);
    const login = {
      accountId: flow.data.userId!,
      amr: outcome.amr,
      acr: acrFor(outcome.amr),
      remember: true,
      ts: Math.floor(now / 1000),
    };
    return finishInteraction(provider, req, reply, { login }, redirectOrigin);
  }

  await ctx.flows.save(flow);
  const formContext: views.FormContext = {
    action: `/${tenant.id}/login/${details.uid}`,
    csrf: flow.data.csrf,
    tenantName: tenant.display_name,
    error: flow.data.error,
  };
  const status = flow.data.error ? 400 : 200;
  switch (flow.state) {
    case 'credentials':
      return sendPage(
        reply,
        status,
        views.credentialsPage(formContext, {
          loginHint: flow.data.userPrincipalName ?? (details.params.login_hint as string | undefined),
          clientName: String(client?.clientName ?? details.params.client_id),
        }),
        redirectOrigin,
      );
    case 'change_password':
      return sendPage(
        reply,
        status,
        views.changePasswordPage(formContext, { upn: flow.data.userPrincipalName ?? '' }),
        redirectOrigin,
      );
    case 'second_factor': {
      const methods = await methodsOf(ctx.db, tenant.id, flow.data.userId!);
      return sendPage(
        reply,
        status,
        views.secondFactorPage(formContext, {
          upn: flow.data.userPrincipalName ?? '',
          recoveryCodesLeft: methods.recoveryCodesRemaining,
        }),
        redirectOrigin,
      );
    }
    case 'register_offer':
      return sendPage(
        reply,
        status,
        views.registerOfferPage(formContext, {
          skipUntil: flow.data.requirement?.skipUntil ?? now,
          now: ctx.clock.now(),
        }),
        redirectOrigin,
      );
    case 'register_totp':
      return sendPage(
        reply,
        status,
        views.registerTotpPage(formContext, {
          ...(await enrolmentView(input)),
          required: flow.data.requirement?.registration === 'required',
        }),
        redirectOrigin,
      );
    case 'recovery_codes':
      if (outcome.codes) {
        return sendPage(
          reply,
          200,
          views.recoveryCodesPage(formContext, { codes: outcome.codes }),
          redirectOrigin,
        );
      }
      // The codes are shown once; coming back here only offers to continue.
      return sendPage(reply, 200, views.recoveryCodesPage(formContext, { codes: [] }), redirectOrigin);
    case 'blocked':
      return sendPage(
        reply,
        403,
        views.messagePage('Sign-in blocked', signInErrorMessage(53003), { tenantName: tenant.display_name }),
      );
  }
}

/**
 * Consent (issue 2 item 6, "consent when needed"): an application registered in the same tenant
 * or by the operator is trusted; one from another tenant (multi-tenant app) asks the user first.
 */
async function handleConsent(input: {
  ctx: WardenContext;
  provider: Provider;
  details: Details;
  tenant: Tenant;
  client: Awaited<ReturnType<Provider['Client']['find']>>;
  flow: Flow;
  req: FastifyRequest<{ Params: Params }>;
  reply: FastifyReply;
  form: Record<string, string> | undefined;
  redirectOrigin: string | undefined;
}): Promise<void> {
  const { ctx, provider, details, tenant, client, flow, req, reply, form, redirectOrigin } = input;
  const clientId = String(details.params.client_id);
  const home = (client as unknown as Record<string, string | undefined> | undefined)?.[
    'urn:warden:home_tenant'
  ];
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  // First-party applications (registered by the operator) and the tenant's own need no user consent.
  const publisher = home ? await getTenant(ctx.db, home) : undefined;
  const needsUser = home !== tenant.id && publisher?.kind !== 'operator';
  if (needsUser && !form) {
    const scopes = [
      ...(missing.missingOIDCScope ?? []),
      ...Object.values(missing.missingResourceScopes ?? {}).flat(),
    ].filter((scope) => !scope.endsWith('/.default')); // `.default` adds nothing to what is listed
    return sendPage(
      reply,
      200,
      views.consentPage(
        {
          action: `/${tenant.id}/login/${details.uid}`,
          csrf: flow.data.csrf,
          tenantName: tenant.display_name,
        },
        {
          clientName: String(client?.clientName ?? clientId),
          publisherTenant: publisher?.display_name ?? 'another organisation',
          scopes,
        },
      ),
      redirectOrigin,
    );
  }
  await ctx.flows.end(flow);
  if (form?.action === 'cancel') {
    const result = { error: 'access_denied', error_description: 'The user declined consent.' };
    return finishInteraction(provider, req, reply, result, redirectOrigin);
  }
  const grant = details.grantId
    ? ((await provider.Grant.find(details.grantId)) ??
      new provider.Grant({ accountId: details.session!.accountId, clientId }))
    : new provider.Grant({ accountId: details.session!.accountId, clientId });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  return finishInteraction(provider, req, reply, { consent: { grantId } }, redirectOrigin, true);
}

/** Hands the result to oidc-provider, which redirects to the authorization endpoint to resume. */
async function finishInteraction(
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

/** The text fields of a posted form; anything else (a JSON body's objects, arrays, numbers) is dropped. */
function formFields(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

function safeOrigin(value: unknown): string | undefined {
  try {
    return typeof value === 'string' ? new URL(value).origin : undefined;
  } catch {
    return undefined;
  }
}

function sendPage(reply: FastifyReply, status: number, body: string, redirectOrigin?: string): void {
  setSecurityHeaders(reply.raw, redirectOrigin ? [redirectOrigin] : []);
  reply.code(status).type('text/html; charset=utf-8').send(body);
}
