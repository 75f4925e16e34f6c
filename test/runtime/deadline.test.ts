import { deadlinePassed, waitOutlastsDeadline } from '../../runtime/deadline';
import { VirtualClock } from '../rule/support';

describe('deadlinePassed', () => {
  const clock = new VirtualClock(1_000);
  it.each([
    ['no deadline', undefined, false],
    ['a deadline still ahead', { at: 1_001 }, false],
    ['a deadline reached now', { at: 1_000 }, true],
    ['a deadline behind', { at: 999 }, true],
    ['a deadline ahead whose signal already fired', { at: 5_000, signal: AbortSignal.abort() }, true],
    ['a deadline ahead whose signal has not fired', { at: 5_000, signal: new AbortController().signal }, false],
  ])('%s', (_name, deadline, passed) => {
    expect(deadlinePassed(deadline, clock)).toBe(passed);
  });
});

describe('waitOutlastsDeadline', () => {
  const clock = new VirtualClock(1_000);
  it.each([
    ['no deadline, however long the wait', undefined, 1e9, false],
    ['a wait that ends before the deadline', { at: 1_500 }, 499, false],
    ['a wait that ends at the deadline', { at: 1_500 }, 500, true],
    ['a wait that ends after the deadline', { at: 1_500 }, 501, true],
  ])('%s', (_name, deadline, ms, outlasts) => {
    expect(waitOutlastsDeadline(deadline, clock, ms)).toBe(outlasts);
  });
});
