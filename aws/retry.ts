import type { Clock } from '../runtime/clock';
import { deadlinePassed, InvocationDeadlineError, waitOutlastsDeadline, type CallDeadline } from '../runtime/deadline';
import { isRetryable, isTimeout } from './errors';

/** What each attempt is given: the abort signal to pass to the SDK's `send`, if the call has a deadline. */
export interface AttemptContext {
  abortSignal?: AbortSignal;
}

export interface RetryOptions {
  clock: Clock;
  /** Total attempts, the first included. */
  attempts?: number;
  /** Total attempts when the failure is a timeout (the request had no answer within the client's timeout). */
  timeoutAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  isRetryable?: (error: unknown) => boolean;
  /** Random source in [0, 1) for jitter; injectable for deterministic tests. */
  random?: () => number;
  /** Called before each wait, e.g. to log or count. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * No attempt starts at or after `deadline.at`, no backoff wait is started that would end after it (the last
   * error is thrown instead), and a request still running when `deadline.signal` fires is aborted.
   */
  deadline?: CallDeadline;
}

export const DEFAULT_RETRY_ATTEMPTS = 6;
/**
 * A request that had no answer within the whole request timeout is repeated once, not five times: an endpoint
 * that swallowed one request usually swallows the next, and each repetition costs the full timeout again.
 */
const DEFAULT_TIMEOUT_ATTEMPTS = 2;

/**
 * Exponential backoff with full jitter, as recommended for AWS APIs
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html). By default throttling and
 * transient failures (5xx, timeouts, dropped connections) are retried: access and validation errors do not
 * get better by waiting. The rule's AWS clients make a single attempt per call (aws/clients.ts), so this
 * is the only retrying, and every attempt passes the caller's rate limit.
 */
export async function withRetry<T>(operation: (attempt: AttemptContext) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_RETRY_ATTEMPTS;
  const timeoutAttempts = Math.min(attempts, options.timeoutAttempts ?? DEFAULT_TIMEOUT_ATTEMPTS);
  const base = options.baseDelayMs ?? 100;
  const cap = options.maxDelayMs ?? 5000;
  const retryable = options.isRetryable ?? isRetryable;
  const random = options.random ?? Math.random;
  const { deadline, clock } = options;
  const context: AttemptContext = deadline?.signal === undefined ? {} : { abortSignal: deadline.signal };
  for (let attempt = 1; ; attempt++) {
    if (deadlinePassed(deadline, clock)) throw new InvocationDeadlineError();
    try {
      return await operation(context);
    } catch (error) {
      // An abort by the deadline's signal: the call is over, whatever the SDK calls the error.
      if (deadline?.signal?.aborted === true && !(error instanceof InvocationDeadlineError)) throw new InvocationDeadlineError({ cause: error });
      if (!retryable(error) || attempt >= (isTimeout(error) ? timeoutAttempts : attempts)) throw error;
      const delay = Math.round(random() * Math.min(cap, base * 2 ** (attempt - 1)));
      // A wait that would end past the deadline gains nothing: the failure is reported now, while there is
      // still time to send the evaluations already made.
      if (waitOutlastsDeadline(deadline, clock, delay)) throw error;
      options.onRetry?.(error, attempt, delay);
      await clock.sleep(delay);
    }
  }
}
