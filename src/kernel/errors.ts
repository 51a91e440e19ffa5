// The one error catalogue of ddlocal. Features throw ApiError with the AWS exception name and a message for a person;
// the protocol layer turns the name into the HTTP status the AWS IoT model gives it (src/protocol/error-status.ts),
// so nothing below the protocol knows about HTTP.

export class ApiError extends Error {
  readonly code: string;
  /** Extra members of the error body, e.g. resourceId/resourceArn of ResourceAlreadyExistsException. */
  readonly fields: Record<string, string>;

  constructor(code: string, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.fields = fields;
  }
}

/**
 * Something ddlocal depends on — its database, say — cannot serve the request right now: not the caller's fault and
 * not a defect, so it is answered 503 ServiceUnavailableException (which the AWS SDKs retry), and background work
 * waits and tries again. Subclasses say what is unavailable.
 */
export class ServiceUnavailableError extends Error {}

export const isServiceUnavailable = (err: unknown): err is ServiceUnavailableError => err instanceof ServiceUnavailableError;

/**
 * Errors of the database or the connection to it, as opposed to a defect in feature code: background work retries
 * the former and reports the latter.
 */
export function isDatabaseError(err: unknown): boolean {
  if (isServiceUnavailable(err)) return true;
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return false;
  // better-sqlite3: SQLITE_BUSY, SQLITE_IOERR…; PostgreSQL: five-character SQLSTATEs; sockets: ECONNRESET…
  return code.startsWith('SQLITE_') || /^[0-9A-Z]{5}$/.test(code) || code.startsWith('ECONN') || code === 'EPIPE' || code === 'ETIMEDOUT';
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
