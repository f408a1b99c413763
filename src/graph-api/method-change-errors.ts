import type { MethodChangeError, MethodChangeErrorCode } from '../authentication-methods/manage.ts';
import { GraphError, type GraphErrorCode } from '../errors/graph-errors.ts';

/** The method rules' refusals (authentication-methods/manage.ts) in Graph's codes; the message travels. */
const GRAPH_CODE: Record<MethodChangeErrorCode, GraphErrorCode> = {
  LastMethodMandated: 'badRequest',
  MethodNotFound: 'Request_ResourceNotFound',
  FreshMfaRequired: 'Authentication_MfaRequired',
  InvalidCode: 'Request_BadRequest',
  InvalidDisplayName: 'Request_BadRequest',
  LastPhishingResistantMethod: 'badRequest',
};

export function methodChangeGraphError(error: MethodChangeError): GraphError {
  return new GraphError(GRAPH_CODE[error.code], error.message);
}
