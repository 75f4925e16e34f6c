/**
 * Deadlines of a run: the time a call must be over by, the two questions asked of it before a call or a wait,
 * and the errors that say a deadline was reached.
 */
import type { Clock } from './clock';

/**
 * The time by which a call must be over: `at` on the caller's clock (attempts and backoff waits are planned
 * against it), and `signal`, which aborts a request still in flight at that time (given to the SDK's `send`).
 */
export interface CallDeadline {
  /** Milliseconds since the epoch, on the retry's clock. */
  at: number;
  signal?: AbortSignal;
}

/** Whether the deadline has come: its time is reached on `clock`, or its signal already fired. No deadline never comes. */
export function deadlinePassed(deadline: CallDeadline | undefined, clock: Clock): boolean {
  return deadline !== undefined && (clock.now() >= deadline.at || deadline.signal?.aborted === true);
}

/**
 * Whether a wait of `ms` starting now would end at or after the deadline: such a wait gains nothing, since no
 * call may start after it. No deadline is never outlasted.
 */
export function waitOutlastsDeadline(deadline: CallDeadline | undefined, clock: Clock, ms: number): boolean {
  return deadline !== undefined && clock.now() + ms >= deadline.at;
}

/**
 * A key's first request could only be made after the run's stop time, so the key was not started.
 * Control flow within a sweep (the key waits for the next run), never the outcome of an invocation.
 */
export class DeadlineReachedError extends Error {
  override readonly name = 'DeadlineReachedError';
  constructor(readonly operation: string) {
    super(`${operation} would have to wait past the invocation's stop time; the key was not started`);
  }
}

/**
 * A call could not finish before the invocation's deadline: its request was aborted, or its next attempt (or
 * the wait before it) would have ended past the deadline. The evaluations already made are still sent.
 */
export class InvocationDeadlineError extends Error {
  override readonly name = 'InvocationDeadlineError';
  constructor(options?: { cause?: unknown }) {
    super("the call did not answer before the invocation's deadline and was abandoned", options);
  }
}
