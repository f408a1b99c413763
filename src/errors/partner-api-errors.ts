import { CataloguedError } from './catalogued-error.ts';

/**
 * Partner API error codes (STYLE 4, issue 3 item 2). Bodies are Partner Center's
 * `{ code, description, data, source }`; docs/errors.md lists every code (a test keeps them in step).
 */
export const PARTNER_API_ERRORS = {
  missing_token: { status: 401, description: 'Send an access token: Authorization: Bearer <token>.' },
  invalid_token: { status: 401, description: 'The access token is not valid.' },
  mfa_required: {
    status: 401,
    description:
      'The access token has no multi-factor authentication proof (amr lacks "mfa"). Sign in again with MFA, for example through the Secure Application Model.',
  },
  not_a_partner_tenant: {
    status: 403,
    description: 'The token was issued by a tenant that is not a partner.',
  },
  app_only_not_allowed: {
    status: 403,
    description: 'This operation needs an App+User token: app-only tokens cannot act in a customer tenant.',
  },
  role_required: { status: 403, description: 'Your account has none of the roles this operation needs.' },
  // SPEC E3: a partner user acts in a customer tenant only within the roles GDAP (or DAP) gives it there.
  delegated_role_required: {
    status: 403,
    description: 'Your roles in this customer tenant (GDAP or DAP) do not include one this operation needs.',
  },
  app_role_required: {
    status: 403,
    description: 'The application has not been granted the app role this operation needs.',
  },
  route_not_declared: { status: 403, description: 'This operation is not available.' },
  invalid_request: { status: 400, description: 'The request is not valid.' },
  not_found: { status: 404, description: 'No such resource.' },
  conflict: { status: 409, description: 'The resource already exists.' },
  // SPEC §13, reference §1.10: Microsoft stopped offering DAP (Oct 2023); it can only be removed.
  delegated_access_not_offered: {
    status: 400,
    description:
      'Delegated admin privileges (DAP) can no longer be granted; ask the customer to approve a GDAP relationship instead.',
  },
  // Licences are seats of the customer's subscriptions (partner-center/licenses.ts).
  sku_not_subscribed: {
    status: 400,
    description: 'The customer has no active subscription of this product SKU.',
  },
  license_seats_exhausted: {
    status: 409,
    description: 'Every seat of the customer’s subscriptions of this product SKU is assigned already.',
  },
  // Reference §3.3 (CPV application consent).
  application_id_mismatch: {
    status: 403,
    description: 'applicationId must be the application the access token was issued to (its appid).',
  },
  application_not_consentable: {
    status: 400,
    description: 'The application is not a multi-tenant application registered in your partner tenant.',
  },
  unknown_resource: {
    status: 400,
    description: 'An enterpriseApplicationId names no resource that can be consented.',
  },
  unknown_permission: {
    status: 400,
    description: 'A scope names no app role or delegated permission of its resource.',
  },
  server_error: { status: 500, description: 'Unexpected error.' },
  request_log_unavailable: {
    status: 503,
    description:
      'The request could not be written to the request log, so it is not answered as done. Retry later.',
  },
  service_unavailable: { status: 503, description: 'Warden cannot answer right now; try again in a moment.' },
} as const;

export type PartnerApiErrorCode = keyof typeof PARTNER_API_ERRORS;

/** A Partner API failure: the gate and the handlers throw it, one error handler writes it. */
export class PartnerApiError extends CataloguedError<PartnerApiErrorCode> {
  /** What the caller needs to act (the allowed roles, the failing order line): the body's `data`. */
  readonly data: unknown[];
  constructor(code: PartnerApiErrorCode, description?: string, data: unknown[] = []) {
    super(PARTNER_API_ERRORS, code, description ?? PARTNER_API_ERRORS[code].description);
    this.data = data;
  }
}
