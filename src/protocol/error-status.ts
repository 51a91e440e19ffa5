// The HTTP status of each error: the status the AWS IoT model gives the exception, or, for the few errors of the
// protocol itself that the model does not list, the status AWS answers them with.
import { modeledErrorStatus } from '../model/model.js';

const PROTOCOL_ERROR_STATUS: Record<string, number> = {
  UnknownOperationException: 404,
  NotImplementedException: 501,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  AccessDeniedException: 403,
};

export function errorStatus(code: string): number {
  return PROTOCOL_ERROR_STATUS[code] ?? modeledErrorStatus(code) ?? 500;
}
