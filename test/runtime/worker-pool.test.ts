import { runPool } from '../../runtime/worker-pool';

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
