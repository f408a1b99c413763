import type { DirectoryError, DirectoryErrorCode } from '../directory/directory-error.ts';
import { GraphError, type GraphErrorCode } from '../errors/graph-errors.ts';

/** The directory's refusals in Microsoft Graph's codes (the message travels unchanged). */
const GRAPH_CODE: Record<DirectoryErrorCode, GraphErrorCode> = {
  not_found: 'Request_ResourceNotFound',
  conflict: 'Request_MultipleObjectsWithSameKeyValue',
  invalid: 'Request_BadRequest',
  refused: 'Authorization_RequestDenied',
  last_global_admin: 'Request_LastGlobalAdministrator',
  password_policy: 'PasswordDoesNotComplyWithPolicy',
};

export function graphErrorOf(error: DirectoryError): GraphError {
  return new GraphError(GRAPH_CODE[error.code], error.message);
}
