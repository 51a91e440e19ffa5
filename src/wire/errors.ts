// The one error catalogue of ddlocal. Domain code throws ApiError with an exception name; the HTTP status comes
// from the AWS IoT model's error shapes (wire.md §7.2) or, for the few ddlocal-level errors, from the table below.
import { modeledErrorStatus } from '../model/model.js';

const DDLOCAL_ERROR_STATUS: Record<string, number> = {
  UnknownOperationException: 404,
  NotImplementedException: 501,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  AccessDeniedException: 403,
};

export function errorStatus(code: string): number {
  return DDLOCAL_ERROR_STATUS[code] ?? modeledErrorStatus(code) ?? 500;
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra members of the error body, e.g. resourceId/resourceArn of ResourceAlreadyExistsException. */
  readonly fields: Record<string, string>;

  constructor(code: string, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = errorStatus(code);
    this.fields = fields;
  }
}

export const invalidRequest = (message: string) => new ApiError('InvalidRequestException', message);

export const notFound = (message: string) => new ApiError('ResourceNotFoundException', message);

export const alreadyExists = (message: string, resourceId: string, resourceArn?: string) =>
  new ApiError(
    'ResourceAlreadyExistsException',
    message,
    resourceArn === undefined ? { resourceId } : { resourceId, resourceArn },
  );

export const limitExceeded = (message: string) => new ApiError('LimitExceededException', message);

export const versionConflict = (message: string) => new ApiError('VersionConflictException', message);

export const deleteConflict = (message: string) => new ApiError('DeleteConflictException', message);
