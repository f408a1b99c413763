import { methodsOf } from '../authentication-methods/methods.ts';
import { passkeyRequestOptions } from '../authentication-methods/passkeys/authentication.ts';
import { passkeyCreationOptions, passkeyOwnerOf } from '../authentication-methods/passkeys/registration.ts';
import { passkeySettings } from '../authentication-methods/passkeys/settings.ts';
import * as views from '../authority-pages/pages.ts';
import { signInErrorMessage } from '../errors/sign-in-errors.ts';
import type { FlowState } from './flow.ts';
import { accountTenantId, flowUser, type StepInput, type StepOutcome } from './step.ts';
import { authorityRelyingParty, flowChallenge } from './steps/passkey.ts';
import { enrolmentView } from './steps/totp.ts';

/** What the page of a state needs besides the flow: where its forms post and who asked. */
export interface PageRequest {
  step: StepInput;
  /** The interaction's URL, where every form of the flow posts. */
  formAction: string;
  /** OIDC Core §3.1.2.1 `login_hint`, prefilled on the credentials page. */
  loginHint: string | undefined;
  clientName: string;
  /** The recovery codes, only in the response that created them. */
  codes?: string[] | undefined;
}

export interface RenderedPage {
  status: number;
  body: string;
  /** Whether the page's forms end in a redirect to the relying party (CSP form-action). */
  toRelyingParty: boolean;
}

type PageOf = (request: PageRequest, form: views.FormContext, status: number) => Promise<RenderedPage>;

function shown(status: number, body: string): RenderedPage {
  return { status, body, toRelyingParty: true };
}

/** One page per state of the flow (a missing state does not typecheck). */
const PAGES: { readonly [S in FlowState]: PageOf } = {
  credentials: async (request, form, status) => {
    const { step } = request;
    // Issue 15 item 1: username-less passkey sign-in where the tenant allows it.
    const passwordless = (await passkeySettings(step.ctx.db, step.tenant.id)).passwordless;
    return shown(
      status,
      views.credentialsPage(form, {
        loginHint: step.flow.data.userPrincipalName ?? request.loginHint,
        clientName: request.clientName,
        passkey: passwordless
          ? {
              options: await passkeyRequestOptions(
                step.ctx.db,
                authorityRelyingParty(step),
                await flowChallenge(step),
              ),
            }
          : undefined,
      }),
    );
  },
  change_password: async (request, form, status) =>
    shown(status, views.changePasswordPage(form, { upn: request.step.flow.data.userPrincipalName ?? '' })),
  second_factor: async ({ step }, form, status) => {
    const user = { tenantId: accountTenantId(step), userId: step.flow.data.userId! };
    const methods = await methodsOf(step.ctx.db, user.tenantId, user.userId);
    return shown(
      status,
      views.secondFactorPage(form, {
        upn: step.flow.data.userPrincipalName ?? '',
        recoveryCodesLeft: methods.recoveryCodesRemaining,
        hasAuthenticatorApp: methods.totp.length > 0,
        passkey: methods.passkeys.some((passkey) => passkey.usable)
          ? {
              options: await passkeyRequestOptions(
                step.ctx.db,
                authorityRelyingParty(step),
                await flowChallenge(step),
                user,
              ),
            }
          : undefined,
      }),
    );
  },
  register_offer: async ({ step }, form, status) => {
    const now = step.ctx.clock.now();
    return shown(
      status,
      views.registerOfferPage(form, { skipUntil: step.flow.data.requirement?.skipUntil ?? now, now }),
    );
  },
  register_method: async ({ step }, form, status) => {
    const user = await flowUser(step);
    const settings = await passkeySettings(step.ctx.db, user.tenantId);
    const options = await passkeyCreationOptions(
      step.ctx.db,
      authorityRelyingParty(step),
      passkeyOwnerOf(user),
      settings,
      await flowChallenge(step),
    );
    return shown(
      status,
      views.registerMethodPage(form, {
        ...(await enrolmentView(step)),
        required: step.flow.data.requirement?.registration === 'required',
        passkey: { options },
      }),
    );
  },
  // The codes are shown once; coming back here only offers to continue.
  recovery_codes: async (request, form, status) =>
    shown(status, views.recoveryCodesPage(form, { codes: request.codes ?? [] })),
  blocked: async ({ step }) => ({
    status: 403,
    body: views.messagePage('Sign-in blocked', signInErrorMessage(53003), {
      tenantName: step.tenant.display_name,
      step: 'blocked',
    }),
    toRelyingParty: false,
  }),
};

/** The page of the flow's current state; 400 when it shows an error the user must correct. */
export function renderState(request: PageRequest): Promise<RenderedPage> {
  const { flow, tenant } = request.step;
  const form: views.FormContext = {
    action: request.formAction,
    csrf: flow.data.csrf,
    tenantName: tenant.display_name,
    error: flow.data.error,
  };
  return PAGES[flow.state](request, form, flow.data.error ? 400 : 200);
}

/** The page of a flow that ended without signing in: locked out (429) or blocked by the policy (403). */
export function renderStop(
  outcome: Extract<StepOutcome, { kind: 'locked' | 'blocked' }>,
  tenantName: string,
): RenderedPage {
  const stop =
    outcome.kind === 'locked'
      ? { status: 429, title: 'Try again later', message: signInErrorMessage(50053), code: 50053 }
      : { status: 403, title: 'Sign-in blocked', message: outcome.reason, code: outcome.code };
  // `blocked` is the flow's state; `locked` an end of the flow (transitions.ts FLOW_ENDS).
  return {
    status: stop.status,
    body: views.messagePage(stop.title, stop.message, { tenantName, code: stop.code, step: outcome.kind }),
    toRelyingParty: false,
  };
}
