// Errors named after the exceptions of the AWS IoT model. Features throw them through modeledError, whose code must
// be one of the model's exception names: a misspelt name fails to compile instead of reaching the client as a code
// the protocol layer cannot map to a status (which it answers with 500).
import { ApiError } from '../kernel/errors.js';
import type { ModeledErrorCode } from './types.generated.js';

export type { ModeledErrorCode };

export function modeledError(code: ModeledErrorCode, message: string, fields?: Record<string, string>): ApiError {
  return new ApiError(code, message, fields);
}
