import { Refusal } from '../errors/catalogued-error.ts';

/**
 * Why a technical-exception step is refused. Each code is also an entry of the Partner API's
 * catalogue (src/errors/partner-api-errors.ts, docs/errors.md), which the routes answer with; the
 * dashboard shows the message.
 */
export type ExceptionRefusalCode =
  | 'exceptions_not_accepted'
  | 'exception_already_pending'
  | 'invalid_exception_evidence'
  | 'invalid_self_test'
  | 'exception_not_pending'
  | 'exception_not_in_force'
  | 'invalid_exception_decision'
  | 'not_found';

export class ExceptionRefusal extends Refusal<ExceptionRefusalCode> {}
