// Sorting SNS publish errors into "retry later" and "will never succeed" (docs/decisions.md#m28). The SDK's own
// retries are off: the deliverer owns retry timing so that a deadline holds across restarts.

export type PublishFailure =
  | { permanent: false; message: string }
  | { permanent: true; errorCode: 'INSUFFICIENT_PERMISSIONS' | 'INVALID_STATE_OF_RESOURCE'; message: string };

const AUTHORIZATION_ERRORS = new Set([
  'AuthorizationErrorException',
  'AuthorizationError',
  'AccessDenied',
  'AccessDeniedException',
  'KMSAccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'ExpiredToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);

const THROTTLING_ERRORS = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequestsException']);

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

function describePublishError(err: unknown): string {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name && e.name !== 'Error' ? e.name : e.code;
  return [name, status ? `HTTP ${status}` : undefined, e.message].filter(Boolean).join(': ');
}

export function classifyPublishError(err: unknown): PublishFailure {
  const e = (err ?? {}) as SdkError;
  const message = describePublishError(err);
  const name = e.name ?? '';
  if (AUTHORIZATION_ERRORS.has(name)) return { permanent: true, errorCode: 'INSUFFICIENT_PERMISSIONS', message };
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING_ERRORS.has(name) || status === 429) return { permanent: false, message };
  if (status === 401 || status === 403) return { permanent: true, errorCode: 'INSUFFICIENT_PERMISSIONS', message };
  // A 4xx answer (missing topic, invalid parameters) will be the same next time; anything without an answer
  // (connection refused, timeout) or a 5xx may pass.
  if (status !== undefined && status >= 400 && status < 500) return { permanent: true, errorCode: 'INVALID_STATE_OF_RESOURCE', message };
  return { permanent: false, message };
}
