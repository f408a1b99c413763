import type { DelegatedAdminError, DelegatedAdminErrorCode } from '../delegated-admin/relationships.ts';
import { GraphError, type GraphErrorCode } from '../errors/graph-errors.ts';

/** GDAP's refusals (src/delegated-admin/) in Microsoft Graph's codes; the message travels unchanged. */
const GRAPH_CODE: Record<DelegatedAdminErrorCode, GraphErrorCode> = {
  not_found: 'Request_ResourceNotFound',
  // Reference §1.5: `{"error":{"code":"conflict","message":"The resource already exists."}}`.
  conflict: 'conflict',
  precondition_failed: 'preconditionFailed',
  transition_refused: 'invalidStatusTransition',
  invalid: 'Request_BadRequest',
};

export function delegatedAdminGraphError(error: DelegatedAdminError): GraphError {
  return new GraphError(GRAPH_CODE[error.code], error.message);
}
