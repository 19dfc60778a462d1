import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RollingWindow } from '../../src/breaker/index.js';

describe('RollingWindow', () => {
  it('counts calls and hits inside the window', () => {
    const window = new RollingWindow(1_000);
    window.record(0, true);
    window.record(50, false);
    window.record(999, true);
    expect(window.calls(999)).toBe(3);
    expect(window.hits(999)).toBe(2);
  });

  it('drops a whole window at once after a long idle', () => {
    const window = new RollingWindow(1_000);
    for (let t = 0; t < 1_000; t += 10) window.record(t, true);
    expect(window.calls(5_000_000)).toBe(0);
    window.record(5_000_000, false);
    expect(window.calls(5_000_000)).toBe(1);
  });

  it('keeps its counts when the clock steps back', () => {
    const window = new RollingWindow(1_000);
    window.record(500, true);
    window.record(100, true);
    expect(window.hits(500)).toBe(2);
  });

  it('agrees with a naive count of the samples in its buckets', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3_000), fc.boolean()), { maxLength: 200 }), (steps) => {
        const windowMs = 1_000;
        const bucketMs = windowMs / RollingWindow.BUCKETS;
        const window = new RollingWindow(windowMs);
        const samples: Array<[number, boolean]> = [];
        let now = 0;
        for (const [gap, hit] of steps) {
          now += gap;
          window.record(now, hit);
          samples.push([now, hit]);
          const oldestSlot = Math.floor(now / bucketMs) - RollingWindow.BUCKETS + 1;
          const inWindow = samples.filter(([t]) => Math.floor(t / bucketMs) >= oldestSlot);
          expect(window.calls(now)).toBe(inWindow.length);
          expect(window.hits(now)).toBe(inWindow.filter(([, h]) => h).length);
        }
      }),
    );
  });
});
