import { CataloguedError } from './catalogued-error.ts';

/**
 * Error codes of the directory administration API under `/v1.0` (STYLE 4, issue 4 item 1). Codes are
 * Microsoft Graph's where Graph has one; bodies are Graph's
 * `{ error: { code, message, innerError: { request-id, date } } }`. docs/errors.md lists every
 * code (test/error-catalogue.test.ts keeps them in step).
 */
export const GRAPH_ERRORS = {
  InvalidAuthenticationToken: { status: 401, message: 'Access token is missing or invalid.' },
  // SPEC §5: administrators always need MFA. RFC 9470's challenge tells the client to step up.
  Authentication_MfaRequired: {
    status: 401,
    message:
      'The access token has no multi-factor authentication proof (amr lacks "mfa"). Administrators must sign in with MFA.',
  },
  Authorization_RequestDenied: { status: 403, message: 'Insufficient privileges to complete the operation.' },
  Request_BadRequest: { status: 400, message: 'The request is not valid.' },
  // Graph's own code for requests its routing refuses (`/me` with an app-only token, a malformed batch).
  BadRequest: { status: 400, message: 'The request is not valid.' },
  Request_UnsupportedQuery: { status: 400, message: 'The query is not supported.' },
  Request_MultipleObjectsWithSameKeyValue: {
    status: 400,
    message: 'Another object with the same value for this property already exists.',
  },
  PasswordDoesNotComplyWithPolicy: {
    status: 400,
    message: 'The password does not comply with the password policy.',
  },
  Request_LastGlobalAdministrator: {
    status: 400,
    message: 'The tenant must keep at least one enabled Global Administrator.',
  },
  // The authentication methods workload's own lower-case code for a change it refuses (observed:
  // "Cannot delete default method with other methods configured", microsoft-graph-docs#14470).
  // Warden: the last MFA method of a user whom policy requires MFA of, and DELETE of a password method.
  badRequest: { status: 400, message: 'The authentication method cannot be changed this way.' },
  Request_ResourceNotFound: { status: 404, message: 'The resource does not exist.' },
  // GDAP (SPEC §13, reference §1): the lower-case codes Graph's delegated-admin API answers with.
  conflict: { status: 409, message: 'The resource already exists.' },
  invalidStatusTransition: {
    status: 400,
    message: 'The relationship or assignment is not in a status that allows this change.',
  },
  preconditionFailed: {
    status: 412,
    message: 'The object changed since it was read: the If-Match ETag is not the current one.',
  },
  preconditionRequired: {
    status: 428,
    message: 'This change needs an If-Match header with the @odata.etag last read.',
  },
  generalException: { status: 500, message: 'An unexpected error occurred.' },
  serviceNotAvailable: {
    status: 503,
    message: 'The service is temporarily unavailable; try again in a moment.',
  },
} as const;

export type GraphErrorCode = keyof typeof GRAPH_ERRORS;

/** A failure of the Graph-shaped API: the gate and the handlers throw it, one error handler writes it. */
export class GraphError extends CataloguedError<GraphErrorCode> {
  constructor(code: GraphErrorCode, message?: string) {
    super(GRAPH_ERRORS, code, message ?? GRAPH_ERRORS[code].message);
  }
}
