/**
 * One AWS call behind a shared rate limit, retried on throttling and transient failures (aws/retry.ts), and
 * abandoned at the run's deadline. Every attempt, retries included, takes a token of the limit: the clients
 * make a single SDK attempt per call (aws/clients.ts), so this is the only retrying.
 */
import type { Clock } from '../runtime/clock';
import { DeadlineReachedError, InvocationDeadlineError, type CallDeadline } from '../runtime/deadline';
import type { TokenBucket } from '../runtime/token-bucket';
import { withRetry, type RetryOptions } from './retry';

export interface LimitedCallOptions {
  limiter: TokenBucket;
  clock: Clock;
  retry?: Omit<RetryOptions, 'clock' | 'deadline'>;
  /**
   * The time every call must be over by: no request, rate-limit wait or retry wait goes past it, and a request
   * in flight then is aborted (InvocationDeadlineError).
   */
  deadline?: CallDeadline;
}

/** What one call may be told besides the shared options. */
export interface CallBounds<Op extends string> {
  /**
   * Time (ms since the epoch) by which the first request must be able to go out, or DeadlineReachedError is
   * thrown before anything is sent. Once a request went out, retries may follow up to the deadline.
   */
  notAfter?: number;
  /** Told of every request sent, retries included (for metrics and benchmarks). */
  onRequest?: (operation: Op) => void;
}

export async function limitedCall<T, Op extends string>(
  operation: Op,
  send: (options: { abortSignal?: AbortSignal }) => Promise<T>,
  options: LimitedCallOptions & CallBounds<Op>,
): Promise<T> {
  let firstAttempt = true;
  const { deadline, notAfter } = options;
  return withRetry(
    async (attempt) => {
      const first = firstAttempt;
      firstAttempt = false;
      // The first request may not wait past `notAfter`; none may wait for its token past the deadline.
      const bound = first && notAfter !== undefined ? notAfter : deadline?.at;
      if (!(await options.limiter.take(bound))) {
        if (first && notAfter !== undefined) throw new DeadlineReachedError(operation);
        throw new InvocationDeadlineError();
      }
      options.onRequest?.(operation);
      return send(attempt.abortSignal === undefined ? {} : { abortSignal: attempt.abortSignal });
    },
    { ...options.retry, clock: options.clock, ...(deadline !== undefined ? { deadline } : {}) },
  );
}
