import type { Clock } from './clock';

/**
 * A token bucket shared by every KMS call of one invocation, so a sweep never asks more of the account's
 * shared KMS request quota than `ratePerSecond` (https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html).
 * Waiters are served in arrival order.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly clock: Clock,
    private readonly burst: number = Math.max(1, Math.min(ratePerSecond, 10)),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${ratePerSecond}`);
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /** Resolves when one request may be made. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn;
    return turn;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
  }

  private async waitForToken(): Promise<void> {
    this.refill();
    while (this.tokens < 1) {
      const waitMs = Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
      await this.clock.sleep(Math.max(1, waitMs));
      this.refill();
    }
    this.tokens -= 1;
  }
}

export interface PoolResult {
  /** Items whose work was started (and finished). */
  started: number;
  /** Items never started because `shouldStart` said stop. */
  notStarted: number;
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight. Before each item starts, `shouldStart()` is
 * asked; once it says no, no further item starts, and the ones in flight finish. `work` must not throw:
 * callers turn failures into outcomes (a key that fails is still evaluated, as NON_COMPLIANT).
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  shouldStart: () => boolean = () => true,
): Promise<PoolResult> {
  let next = 0;
  let stopped = false;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (!stopped && next < items.length) {
      if (!shouldStart()) {
        stopped = true;
        return;
      }
      const index = next++;
      started++;
      await work(items[index] as T, index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, () => worker());
  await Promise.all(workers);
  return { started, notStarted: items.length - started };
}
