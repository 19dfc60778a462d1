/** The manual clock the deterministic tests run on: order of timers, and loops that never end. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';

describe('ManualClock', () => {
  it('fires due timers in due order, each at its own time, and counts them', async () => {
    const clock = new ManualClock();
    const seen: Array<[string, number]> = [];
    clock.setTimer(() => seen.push(['b', clock.now()]), 20);
    clock.setTimer(() => seen.push(['a', clock.now()]), 10);
    clock.setTimer(() => seen.push(['c', clock.now()]), 20);
    await clock.advanceAsync(15);
    expect(seen).toEqual([['a', 10]]);
    clock.advance(10);
    expect(seen).toEqual([['a', 10], ['b', 20], ['c', 20]]);
    expect(clock.now()).toBe(25);
    expect(clock.firedTimers).toBe(3);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a timer that re-arms itself at zero delay throws, naming the instant, instead of hanging the test (time never moves on its own)', async () => {
    const clock = new ManualClock({ startMs: 5 });
    let rearmed = 0;
    const loop = (): void => {
      rearmed++;
      clock.setTimer(loop, 0);
    };
    clock.setTimer(loop, 0);
    expect(() => clock.advance(1)).toThrow(/timers fired at 5 ms without time moving/);
    expect(rearmed).toBe(100_000);
  });

  it('many timers due at one instant are not a loop when each was set before', () => {
    const clock = new ManualClock();
    let fired = 0;
    for (let i = 0; i < 1_000; i++) clock.setTimer(() => fired++, 10);
    clock.advance(10);
    expect(fired).toBe(1_000);
  });
});
