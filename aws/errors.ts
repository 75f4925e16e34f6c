/**
 * Classifies AWS SDK v3 errors by what the rule should do about them. SDK errors carry the service's
 * error code in `name`; throttling codes differ between services, so they are listed together.
 */

export type AwsErrorKind = 'throttling' | 'access-denied' | 'not-found' | 'invalid-state' | 'unsupported' | 'other';

const THROTTLING = new Set([
  'ThrottlingException', // KMS, Config, STS
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException', // Config uses this for some request-rate limits
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

const ACCESS_DENIED = new Set([
  'AccessDeniedException', // KMS, Config
  'AccessDenied', // STS AssumeRole
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
]);

const NOT_FOUND = new Set(['NotFoundException', 'ResourceNotDiscoveredException', 'NoSuchConfigRuleException']);

const UNSUPPORTED = new Set(['UnsupportedOperationException', 'NotImplemented', 'NotImplementedException', 'InvalidAction']);

export function awsErrorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  if (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string') return error.name;
  return 'UnknownError';
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

export function classifyAwsError(error: unknown): AwsErrorKind {
  const name = awsErrorName(error);
  if (THROTTLING.has(name) || httpStatus(error) === 429) return 'throttling';
  if (ACCESS_DENIED.has(name)) return 'access-denied';
  if (NOT_FOUND.has(name)) return 'not-found';
  if (name === 'KMSInvalidStateException') return 'invalid-state';
  if (UNSUPPORTED.has(name)) return 'unsupported';
  return 'other';
}

function isThrottling(error: unknown): boolean {
  return classifyAwsError(error) === 'throttling';
}

// What the SDK's standard retry strategy treats as transient besides throttling
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html): server errors, timeouts and
// dropped connections. The rule's clients make one attempt per call, so the rule retries these itself.
const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT = new Set([...TIMEOUTS, 'KMSInternalException', 'InternalFailure', 'ServiceUnavailable']);

/** The SDK's timeout errors (@smithy/node-http-handler names its connection, request and socket timeouts so). */
export function isTimeout(error: unknown): boolean {
  return TIMEOUTS.has(awsErrorName(error));
}
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** A server-side or network failure that may well succeed when repeated (5xx, timeouts, resets). */
function isTransient(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = awsErrorName(error);
  if (name === 'AbortError') return false;
  const status = httpStatus(error);
  if (status !== undefined && status >= 500 && status <= 599) return true;
  if (TRANSIENT.has(name)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const metadata = (error as { $metadata?: { clockSkewCorrected?: unknown } }).$metadata;
  if (metadata?.clockSkewCorrected === true) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && depth < 5 && isTransient(cause, depth + 1);
}

/** Worth repeating after a wait: throttling or a transient failure. Access and validation errors are not. */
export function isRetryable(error: unknown): boolean {
  return isThrottling(error) || isTransient(error);
}

/** Assuming ExecutionRoleName in the event's account failed. */
export class AssumeRoleError extends Error {
  override readonly name = 'AssumeRoleError';
  constructor(
    readonly roleArn: string,
    options?: { cause?: unknown },
  ) {
    super(`could not assume ${roleArn} with sts:AssumeRole`, options);
  }
}
