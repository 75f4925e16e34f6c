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

export function isThrottling(error: unknown): boolean {
  return classifyAwsError(error) === 'throttling';
}
