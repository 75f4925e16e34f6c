import { withRetry } from '../../aws/retry';
import { InvocationDeadlineError } from '../../runtime/deadline';
import { VirtualClock } from '../rule/support';

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
