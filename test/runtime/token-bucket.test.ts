import { TokenBucket } from '../../runtime/token-bucket';
import { VirtualClock } from '../rule/support';

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
