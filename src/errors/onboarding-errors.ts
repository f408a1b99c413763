/**
 * Errors of a production install (STYLE 4): the refusals of `warden init`, `warden tenants create`
 * and `warden activation-link`, and the outcomes of the activation page. docs/errors.md lists
 * every code; test/production-install.test.ts keeps the two in step.
 */

/** Refusals of the onboarding commands. `usage`: the command line was wrong (exit 2), else exit 1. */
export const ONBOARDING_ERRORS = {
  invalid_domain: {
    usage: true,
    description:
      'The domain is not a domain name (labels of letters, digits and hyphens, and a top-level name).',
  },
  invalid_admin: {
    usage: true,
    description:
      "The administrator's user name must be an address in the tenant's own domain (admin@<domain>).",
  },
  invalid_program_type: {
    usage: true,
    description:
      'A partner program type is one of csp-direct, csp-indirect-provider, csp-indirect-reseller, control-panel-vendor, advisor.',
  },
  operator_exists: {
    usage: false,
    description: 'This installation already has its operator tenant: warden init has been run.',
  },
  no_operator: {
    usage: false,
    description: 'This installation has no operator tenant yet: run warden init first.',
  },
  domain_taken: { usage: false, description: 'Another tenant already uses this domain.' },
  user_not_found: { usage: false, description: 'No such user in that tenant.' },
  already_activated: {
    usage: false,
    description:
      'The account already has a password: an activation link is only for an administrator who has not activated yet.',
  },
} as const;

export type OnboardingErrorCode = keyof typeof ONBOARDING_ERRORS;

export class OnboardingError extends Error {
  readonly code: OnboardingErrorCode;
  constructor(code: OnboardingErrorCode, description?: string) {
    super(description ?? ONBOARDING_ERRORS[code].description);
    this.code = code;
  }
}

/** What the activation page (`/activate/{token}`) answers when it cannot go on; pages carry `data-code`. */
export const ACTIVATION_ERRORS = {
  link_invalid: {
    status: 404,
    description: 'This activation link is not valid. Check that the whole link was copied.',
  },
  link_expired: {
    status: 410,
    description: 'This activation link has expired. Ask your Warden operator for a new one.',
  },
  link_used: {
    status: 410,
    description: 'This activation link was already used. Sign in with the password you chose.',
  },
  password_rejected: { status: 400, description: 'The password does not comply with the password policy.' },
  passwords_differ: { status: 400, description: 'The two passwords do not match.' },
  form_refused: {
    status: 403,
    description: 'The form was not sent by this activation page. Open the link again.',
  },
  throttled: {
    status: 429,
    description: 'Too many attempts with activation links from here. Try again later.',
  },
} as const;

export type ActivationErrorCode = keyof typeof ACTIVATION_ERRORS;
