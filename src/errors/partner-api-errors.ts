import { CataloguedError } from './catalogued-error.ts';

/**
 * Partner API errors (STYLE 4, issue 3 item 2). Bodies are Partner Center's
 * `{ code, description, data, source }` with `code` Partner Center's number (`number` here: the
 * "Error code" column of Partner Center's REST error codes page, pc:developer/error-codes.md), plus
 * Warden's stable name of the refusal as `wardenCode` (the key here), which Warden's own CLI and
 * tests read. Where the reference documents no number for a refusal, `number` is the page's
 * generic number of the HTTP status (800002 Invalid request input, 400 and 2032 Access denied,
 * 1000 Not found, 800003 Unexpected service error) or, with no generic one either (409, 503), 0
 * ("Exception not defined"); docs/partner-center-compatibility.md lists those.
 * docs/errors.md lists every entry (a test keeps them in step).
 */
export const PARTNER_API_ERRORS = {
  missing_token: {
    status: 401,
    number: 800001,
    description: 'Send an access token: Authorization: Bearer <token>.',
  },
  invalid_token: { status: 401, number: 400, description: 'The access token is not valid.' },
  mfa_required: {
    status: 401,
    number: 10001,
    description:
      'The access token has no multi-factor authentication proof (amr lacks "mfa"). Sign in again with MFA, for example through the Secure Application Model.',
  },
  not_a_partner_tenant: {
    status: 403,
    number: 2032,
    description: 'The token was issued by a tenant that is not a partner.',
  },
  operator_only: {
    status: 403,
    number: 2032,
    description: 'This operation administers the partner program: only the operator tenant may call it.',
  },
  app_only_not_allowed: {
    status: 403,
    number: 2032,
    description: 'This operation needs an App+User token: app-only tokens cannot act in a customer tenant.',
  },
  role_required: {
    status: 403,
    number: 900150,
    description: 'Your account has none of the roles this operation needs.',
  },
  // SPEC E3: a partner user acts in a customer tenant only within the roles GDAP (or DAP) gives it there.
  delegated_role_required: {
    status: 403,
    number: 900150,
    description: 'Your roles in this customer tenant (GDAP or DAP) do not include one this operation needs.',
  },
  app_role_required: {
    status: 403,
    number: 2032,
    description: 'The application has not been granted the app role this operation needs.',
  },
  route_not_declared: { status: 403, number: 2032, description: 'This operation is not available.' },
  invalid_request: { status: 400, number: 800002, description: 'The request is not valid.' },
  not_found: { status: 404, number: 1000, description: 'No such resource.' },
  // pc:developer/error-codes.md: 404 / 20003 "Subscription with id {0} not found".
  subscription_not_found: { status: 404, number: 20003, description: 'No such subscription.' },
  // pc:developer/error-codes.md: 400 / 2055 "Etag is no longer valid" (the subscription changed since it was read).
  etag_stale: {
    status: 400,
    number: 2055,
    description: 'Etag is no longer valid: the subscription changed since it was read. Read it again.',
  },
  etag_required: {
    status: 400,
    number: 800002,
    description:
      'Send the etag of the subscription as read (If-Match, or attributes.etag of the body) with a change.',
  },
  // pc:developer/error-codes.md: 400 / 2002.
  quantity_out_of_range: {
    status: 400,
    number: 2002,
    description: 'Subscription quantity is not within minimum and maximum allowed quantity.',
  },
  // pc:developer/error-codes.md: 400 / 800091 "Cannot update a subscription with suspended status".
  subscription_suspended: {
    status: 400,
    number: 800091,
    description: 'Cannot update a subscription with suspended status; reactivate it first.',
  },
  // Licences are seats of the subscriptions (partner-center/licenses.ts): never fewer seats than users holding them.
  license_seats_in_use: {
    status: 409,
    number: 0,
    description: 'The change would leave fewer seats than licences assigned; remove licences first.',
  },
  conflict: { status: 409, number: 0, description: 'The resource already exists.' },
  // SPEC §13, reference §1.10: Microsoft stopped offering DAP (Oct 2023); it can only be removed.
  delegated_access_not_offered: {
    status: 400,
    number: 800042,
    description:
      'Delegated admin privileges (DAP) can no longer be granted; ask the customer to approve a GDAP relationship instead.',
  },
  // Licences are seats of the customer's subscriptions (partner-center/licenses.ts).
  sku_not_subscribed: {
    status: 400,
    number: 800002,
    description: 'The customer has no active subscription of this product SKU.',
  },
  license_seats_exhausted: {
    status: 409,
    number: 0,
    description: 'Every seat of the customer’s subscriptions of this product SKU is assigned already.',
  },
  // Reference §3.3 (CPV application consent).
  application_id_mismatch: {
    status: 403,
    number: 2032,
    description: 'applicationId must be the application the access token was issued to (its appid).',
  },
  application_not_consentable: {
    status: 400,
    number: 800002,
    description: 'The application is not a multi-tenant application registered in your partner tenant.',
  },
  unknown_resource: {
    status: 400,
    number: 800002,
    description: 'An enterpriseApplicationId names no resource that can be consented.',
  },
  unknown_permission: {
    status: 400,
    number: 800002,
    description: 'A scope names no app role or delegated permission of its resource.',
  },
  // SPEC §13, reference §5.2: an EventIds entry names no event of that subscription of the partner's.
  fraud_event_not_found: {
    status: 404,
    number: 1000,
    description: 'No fraud event with that id on this subscription.',
  },
  // Two changes of one fraud event at once: the database let the other one win.
  fraud_event_changed: {
    status: 409,
    number: 0,
    description: 'The fraud event changed while this request was changing it; read it again.',
  },
  // Issue 14 item 5: webhook URLs are https (loopback only when the operator allows it), without credentials.
  webhook_url_refused: {
    status: 400,
    number: 800002,
    description: 'The webhook URL is refused: it must be https and carry no user name or password.',
  },
  webhook_limit_reached: {
    status: 400,
    number: 800002,
    description: 'The partner has registered as many webhook URLs as Warden allows; remove one first.',
  },
  server_error: { status: 500, number: 800003, description: 'Unexpected error.' },
  request_log_unavailable: {
    status: 503,
    number: 0,
    description:
      'The request could not be written to the request log, so it is not answered as done. Retry later.',
  },
  service_unavailable: {
    status: 503,
    number: 0,
    description: 'Warden cannot answer right now; try again in a moment.',
  },
} as const;

export type PartnerApiErrorCode = keyof typeof PARTNER_API_ERRORS;

/** A Partner API failure: the gate and the handlers throw it, one error handler writes it. */
export class PartnerApiError extends CataloguedError<PartnerApiErrorCode> {
  /** What the caller needs to act (the allowed roles, the failing order line): the body's `data`. */
  readonly data: unknown[];
  /** Partner Center's numeric error code: the body's `code`. */
  readonly number: number;
  constructor(code: PartnerApiErrorCode, description?: string, data: unknown[] = []) {
    super(PARTNER_API_ERRORS, code, description ?? PARTNER_API_ERRORS[code].description);
    this.data = data;
    this.number = PARTNER_API_ERRORS[code].number;
  }
}
