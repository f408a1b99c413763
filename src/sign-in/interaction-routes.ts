import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as views from '../authority-pages/pages.ts';
import type { WardenContext } from '../context.ts';
import { getTenant } from '../directory/tenants.ts';
import {
  applicationPublisher,
  IMPLIED_CONSENT,
  publisherTenantIdOf,
} from '../directory/third-party-applications.ts';
import { formFields } from '../http/form-fields.ts';
import { safeEqual } from '../security/constant-time.ts';
import { serviceProviderAccountId } from '../sessions/service-provider-account.ts';
import { handleConsent, type InteractionDetails } from './consent.ts';
import { sessionForSecondFactor } from './existing-session.ts';
import { renderState, renderStop } from './render.ts';
import { finishInteraction, sendPage } from './respond.ts';
import type { StepInput, StepOutcome } from './step.ts';
import { ACTION_REFUSED, dispatch } from './transitions.ts';

interface Params {
  tenantId: string;
  uid: string;
}

/**
 * The sign-in UI that oidc-provider sends users to: `/{tenantId}/login/{uid}` (issue 2 item 6).
 * HTTP only: the interaction and its flow are looked up here, the posted action goes to THE table
 * (transitions.ts), and the outcome becomes a page (render.ts) or the interaction's result.
 */
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
    return sendPage(
      reply,
      404,
      views.messagePage('Not found', 'This sign-in page does not exist.', { step: 'error' }),
    );
  const { provider } = entry;
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(req.raw, reply.raw);
  } catch {
    return sendPage(
      reply,
      400,
      views.messagePage(
        'Sign-in expired',
        'This sign-in took too long or was already used. Go back to the application and start again.',
        { tenantName: tenant.display_name, step: 'error' },
      ),
    );
  }
  if (details.uid !== req.params.uid)
    return sendPage(reply, 400, views.messagePage('Sign-in expired', 'Start again.', { step: 'error' }));
  const now = ctx.clock.now();
  const client = await provider.Client.find(String(details.params.client_id));
  const redirectOrigin = safeOrigin(details.params.redirect_uri);

  const loaded = await ctx.flows.load(tenant.id, details.uid, now);
  const flow = loaded ?? (await ctx.flows.start(tenant.id, details.uid, now));
  // CSRF (issue 2 item 6): every form of this interaction must return the flow's token.
  if (form && !safeEqual(String(form.csrf ?? ''), flow.data.csrf)) {
    return sendPage(
      reply,
      403,
      views.messagePage('Request refused', 'The form was not sent by this sign-in page. Start again.', {
        step: 'error',
      }),
    );
  }

  // SPEC §10: whose application this is decides whether consent is asked, and so whether MFA is.
  const application = await applicationPublisher(ctx.db, tenant, publisherTenantIdOf(client));
  if (details.prompt.name === 'consent') {
    return handleConsent({
      ctx,
      provider,
      details,
      tenant,
      client,
      application,
      flow,
      req,
      reply,
      form,
      redirectOrigin,
    });
  }
  const input: StepInput = {
    ctx,
    tenant,
    flow,
    // Sign-in logs show the application id, also when the client named itself by its alias.
    clientId: client?.clientId ?? String(details.params.client_id),
    thirdPartyApplication: application.thirdParty,
    params: details.params as Record<string, unknown>,
    ip: req.ip,
    userAgent: req.headers['user-agent'],
    form: form ?? {},
    session: flow.state === 'credentials' ? await sessionForSecondFactor(provider, details, now) : undefined,
  };

  let outcome: StepOutcome = { kind: 'show', state: flow.state };
  // Issue 15 item 4: a flow that starts on a session which proved the password asks only the second
  // factor when the table's step finds that is all this sign-in needs (transitions.ts).
  if (!form && !loaded && input.session) {
    outcome = (await dispatch(input, 'session_second_factor')) ?? outcome;
  }
  if (form) {
    // THE table decides (transitions.ts): a refused action runs nothing and shows the same page.
    const ran = await dispatch(input, String(form.action ?? ''));
    if (ran) outcome = ran;
    else flow.data.error = ACTION_REFUSED;
  }

  switch (outcome.kind) {
    case 'locked':
    case 'blocked': {
      await ctx.flows.end(flow);
      const page = renderStop(outcome, tenant.display_name);
      return sendPage(reply, page.status, page.body);
    }
    case 'cancel': {
      await ctx.flows.end(flow);
      const result = { error: 'access_denied', error_description: 'The user cancelled the sign-in.' };
      return finishInteraction(provider, req, reply, result, redirectOrigin);
    }
    case 'finish': {
      await ctx.flows.end(flow);
      const { userId, homeTenantId } = flow.data;
      // OIDC Core §3.1.2.1: a flow that only added a factor to the session keeps its auth_time, so
      // max_age is measured again now (the code page may have stayed open): past it, the relying
      // party is told to sign the user in afresh rather than given an old authentication.
      if (flow.data.authTime !== undefined && details.params.max_age !== undefined) {
        const maxAge = Number(details.params.max_age);
        if (!Number.isFinite(maxAge) || now / 1000 - flow.data.authTime > maxAge) {
          const result = {
            error: 'login_required',
            error_description: 'max_age passed while the second factor was asked; sign in again.',
          };
          return finishInteraction(provider, req, reply, result, redirectOrigin);
        }
      }
      const login = {
        // SPEC E3: a partner user's account at a customer's authority is never a bare user id.
        accountId: homeTenantId ? serviceProviderAccountId({ homeTenantId, userId: userId! }) : userId!,
        amr: outcome.amr,
        acr: outcome.acr,
        remember: true,
        // OIDC Core §2 auth_time: the session's sign-in when this flow only added a factor to it.
        ts: flow.data.authTime ?? Math.floor(now / 1000),
      };
      // Issue 16 item 5: a first-party application's consent is implied by this sign-in, so the
      // authority asks none in a second interaction (src/tokens/implied-consent.ts).
      const result = application.thirdParty ? { login } : { login, consent: IMPLIED_CONSENT };
      return finishInteraction(provider, req, reply, result, redirectOrigin);
    }
    case 'show': {
      await ctx.flows.save(flow);
      const page = await renderState({
        step: input,
        formAction: `/${tenant.id}/login/${details.uid}`,
        loginHint: details.params.login_hint as string | undefined,
        clientName: String(client?.clientName ?? details.params.client_id),
        codes: outcome.codes,
      });
      return sendPage(reply, page.status, page.body, page.toRelyingParty ? redirectOrigin : undefined);
    }
  }
}

function safeOrigin(value: unknown): string | undefined {
  try {
    return typeof value === 'string' ? new URL(value).origin : undefined;
  } catch {
    return undefined;
  }
}
