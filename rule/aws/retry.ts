import type { Clock } from '../config/clock';
import { isRetryable } from './errors';

export interface RetryOptions {
  clock: Clock;
  /** Total attempts, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  isRetryable?: (error: unknown) => boolean;
  /** Random source in [0, 1) for jitter; injectable for deterministic tests. */
  random?: () => number;
  /** Called before each wait, e.g. to log or count. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY_ATTEMPTS = 6;

/**
 * Exponential backoff with full jitter, as recommended for AWS APIs
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html). By default throttling and
 * transient failures (5xx, timeouts, dropped connections) are retried: access and validation errors do not
 * get better by waiting. The rule's AWS clients make a single attempt per call (rule/aws/clients.ts), so this
 * is the only retrying, and every attempt passes the caller's rate limit.
 */
export async function withRetry<T>(operation: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_RETRY_ATTEMPTS;
  const base = options.baseDelayMs ?? 100;
  const cap = options.maxDelayMs ?? 5000;
  const retryable = options.isRetryable ?? isRetryable;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      const delay = Math.round(random() * Math.min(cap, base * 2 ** (attempt - 1)));
      options.onRetry?.(error, attempt, delay);
      await options.clock.sleep(delay);
    }
  }
}
