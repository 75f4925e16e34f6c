import type { Clock } from './clock';

/**
 * A token bucket shared by every KMS call of one invocation, so a sweep never asks more of the account's
 * shared KMS request quota than `ratePerSecond` (https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html).
 * Waiters are served in arrival order.
 *
 * A waiter may give a time it must not wait beyond (`notAfter`): when its token would only come later, it is
 * refused at once (take resolves false) and consumes nothing, so a sweep does not start a key whose first
 * request could only be made after its stop time.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<unknown> = Promise.resolve();
  /** Waiters queued and not yet served or refused. */
  private waiting = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly clock: Clock,
    private readonly burst: number = Math.max(1, Math.min(ratePerSecond, 10)),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${ratePerSecond}`);
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /**
   * Resolves true when one request may be made. With `notAfter` (ms since the epoch), resolves false instead,
   * without waiting, when the token would only be available after that time.
   */
  take(notAfter?: number): Promise<boolean> {
    // Those queued ahead each need a token first: refuse at once when even the earliest turn comes too late.
    if (notAfter !== undefined && this.earliestTokenAt(this.waiting + 1) > notAfter) return Promise.resolve(false);
    this.waiting++;
    const turn = this.queue.then(() => this.waitForToken(notAfter)).finally(() => this.waiting--);
    this.queue = turn;
    return turn;
  }

  /** When the `n`-th token from now would be available, at the configured rate. */
  private earliestTokenAt(n: number): number {
    const now = this.clock.now();
    const available = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) * this.ratePerSecond) / 1000);
    return now + (Math.max(0, n - available) * 1000) / this.ratePerSecond;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
  }

  private async waitForToken(notAfter: number | undefined): Promise<boolean> {
    this.refill();
    if (notAfter !== undefined && this.earliestTokenAt(1) > notAfter) return false;
    while (this.tokens < 1) {
      const waitMs = Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
      await this.clock.sleep(Math.max(1, waitMs));
      this.refill();
    }
    this.tokens -= 1;
    return true;
  }
}
