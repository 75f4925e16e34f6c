export interface PoolResult {
  /** Items whose work was started (and finished). */
  started: number;
  /** Items never started because `shouldStart` said stop, or whose work declined to start. */
  notStarted: number;
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight. Before each item starts, `shouldStart()` is
 * asked; once it says no, no further item starts, and the ones in flight finish. `work` may resolve `false` to
 * say it did not start the item after all (e.g. its first request would come too late): the item counts as
 * not started and no further item starts. `work` must not throw: callers turn failures into outcomes (a key
 * that fails is still evaluated, as NON_COMPLIANT).
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void | boolean>,
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
      if ((await work(items[index] as T, index)) === false) {
        started--;
        stopped = true;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, () => worker());
  await Promise.all(workers);
  return { started, notStarted: items.length - started };
}
