import { TokenBucket } from '../../runtime/token-bucket';
import { withRetry } from '../../aws/retry';
import { VirtualClock } from '../rule/support';
import { runPool } from '../../runtime/worker-pool';
import { InvocationDeadlineError } from '../../runtime/deadline';

describe('TokenBucket', () => {
  it('lets through no more than the rate, after the initial burst', async () => {
    const clock = new VirtualClock(0);
    const bucket = new TokenBucket(50, clock);
    const times: number[] = [];
    await Promise.all(Array.from({ length: 200 }, () => bucket.take().then(() => times.push(clock.now()))));
    // 200 requests at 50/s with a burst of 10: the last one cannot come before (200 - 10) / 50 s.
    expect(Math.max(...times)).toBeGreaterThanOrEqual(3800);
    expect(Math.max(...times)).toBeLessThan(3900);
    // In any one-second window, at most rate + burst requests.
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(60);
  });

  it('refuses at once, consuming nothing, a waiter whose token would come after its notAfter', async () => {
    const clock = new VirtualClock(0);
    const bucket = new TokenBucket(1, clock, 1);
    expect(await bucket.take(0)).toBe(true); // the burst token, at once
    // The next token comes at 1000 ms: too late for 999, in time for 1000.
    expect(await bucket.take(999)).toBe(false);
    expect(clock.slept).toBe(0);
    expect(await bucket.take(1000)).toBe(true);
    expect(clock.now()).toBe(1000);
  });

  it('counts the waiters queued ahead when deciding', async () => {
    const clock = new VirtualClock(0);
    const bucket = new TokenBucket(1, clock, 1);
    const ahead = [bucket.take(), bucket.take(), bucket.take()]; // tokens at 0, 1000 and 2000 ms
    // The fourth token cannot come before 3000 ms.
    const late = bucket.take(2500);
    const inTime = bucket.take(3000);
    expect(await Promise.all(ahead)).toEqual([true, true, true]);
    expect(await late).toBe(false);
    expect(await inTime).toBe(true);
    expect(clock.now()).toBe(3000);
  });

  it('without notAfter, always waits for its token', async () => {
    const clock = new VirtualClock(0);
    const bucket = new TokenBucket(1, clock, 1);
    expect(await Promise.all([bucket.take(), bucket.take()])).toEqual([true, true]);
    expect(clock.now()).toBe(1000);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new TokenBucket(0, new VirtualClock())).toThrow(RangeError);
  });
});

describe('runPool', () => {
  it('never has more than `concurrency` items in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const result = await runPool(Array.from({ length: 50 }, (_, i) => i), 8, async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
    });
    expect(peak).toBe(8);
    expect(result).toEqual({ started: 50, notStarted: 0 });
  });

  it('counts an item whose work declines to start as not started, and starts no further item', async () => {
    const done: number[] = [];
    const result = await runPool(Array.from({ length: 10 }, (_, i) => i), 1, async (i) => {
      if (i === 4) return false;
      done.push(i);
      return true;
    });
    expect(done).toEqual([0, 1, 2, 3]);
    expect(result).toEqual({ started: 4, notStarted: 6 });
  });

  it('stops starting items once told to, and finishes those in flight', async () => {
    const done: number[] = [];
    const result = await runPool(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      async (i) => {
        await new Promise((r) => setTimeout(r, 1));
        done.push(i);
      },
      () => done.length < 6,
    );
    expect(result.started).toBe(done.length);
    expect(result.started + result.notStarted).toBe(20);
    expect(result.notStarted).toBeGreaterThan(0);
  });
});

describe('withRetry', () => {
  const throttle = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

  it('retries throttling with growing waits and then succeeds', async () => {
    const clock = new VirtualClock(0);
    let calls = 0;
    const value = await withRetry(
      async () => {
        if (++calls < 4) throw throttle;
        return 'ok';
      },
      { clock, random: () => 1, baseDelayMs: 100 },
    );
    expect(value).toBe('ok');
    expect(clock.slept).toBe(100 + 200 + 400);
  });

  it.each([
    ['a 5xx', Object.assign(new Error('internal'), { name: 'KMSInternalException', $metadata: { httpStatusCode: 500 } })],
    ['a dropped connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('retries %s (the clients make one attempt, so nothing else would)', async (_name, transient) => {
    let calls = 0;
    const value = await withRetry(
      async () => {
        if (++calls < 2) throw transient;
        return 'ok';
      },
      { clock: new VirtualClock(), random: () => 0 },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(2);
  });

  it('does not retry access errors', async () => {
    let calls = 0;
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    await expect(
      withRetry(async () => {
        calls++;
        throw denied;
      }, { clock: new VirtualClock() }),
    ).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  it('gives up after the attempts', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw throttle;
      }, { clock: new VirtualClock(), attempts: 3 }),
    ).rejects.toBe(throttle);
    expect(calls).toBe(3);
  });
});

describe('withRetry within a deadline', () => {
  const throttle = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  const timeout = Object.assign(new Error('a request has exceeded the configured 10000 ms requestTimeout'), { name: 'TimeoutError', code: 'ETIMEDOUT' });

  it('does not start a backoff wait that would end past the deadline: the last error is thrown at once', async () => {
    const clock = new VirtualClock(0);
    let calls = 0;
    const attempt = withRetry(
      async () => {
        calls++;
        throw throttle;
      },
      { clock, random: () => 1, baseDelayMs: 1000, deadline: { at: 2500 } },
    );
    await expect(attempt).rejects.toBe(throttle);
    // Attempt 1 at 0, a 1 s wait, attempt 2 at 1 s; the next wait (2 s) would end at 3 s, past 2.5 s.
    expect(calls).toBe(2);
    expect(clock.now()).toBe(1000);
  });

  it('makes no attempt once the deadline has passed, and says so', async () => {
    let calls = 0;
    const attempt = withRetry(
      async () => {
        calls++;
        return 'late';
      },
      { clock: new VirtualClock(5000), deadline: { at: 5000 } },
    );
    await expect(attempt).rejects.toBeInstanceOf(InvocationDeadlineError);
    expect(calls).toBe(0);
  });

  it("gives each attempt the deadline's abort signal, and names an aborted call as cut by the deadline", async () => {
    const controller = new AbortController();
    const seen: (AbortSignal | undefined)[] = [];
    const attempt = withRetry(
      ({ abortSignal }) => {
        seen.push(abortSignal);
        return new Promise((_resolve, reject) => {
          abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
        });
      },
      { clock: new VirtualClock(0), deadline: { at: 60_000, signal: controller.signal } },
    );
    controller.abort();
    await expect(attempt).rejects.toBeInstanceOf(InvocationDeadlineError);
    expect(seen).toEqual([controller.signal]);
  });

  it('repeats a timed-out request once only: a request that had no answer in the whole timeout usually hangs again', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw timeout;
      }, { clock: new VirtualClock(), random: () => 0 }),
    ).rejects.toBe(timeout);
    expect(calls).toBe(2);
  });
});
