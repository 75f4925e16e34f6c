/** Time as the rule sees it. Injected so tests and benchmarks control waiting and deadlines. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Wait `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
