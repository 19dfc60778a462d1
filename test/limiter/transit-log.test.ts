/**
 * The transit log: what we admitted within the provider delay, read back against a figure. Its
 * answer is exact within the horizon, and unknown (NaN) beyond what it holds, never a guess.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransitLog } from '../../src/limiter/transit-log.js';

/** A log fed admissions of `cost` tokens (dimension 1) at the given times; returns it and the running total. */
function feed(log: TransitLog, admissions: ReadonlyArray<readonly [at: number, cost: number]>) {
  let total = 0;
  for (const [at, cost] of admissions) {
    total += cost;
    log.record(at, (d) => (d === 1 ? total : 0));
  }
  return total;
}

describe('TransitLog', () => {
  it('a log that never dropped an entry reaches back to the start', () => {
    const log = new TransitLog(100);
    const total = feed(log, [
      [10, 5],
      [20, 7],
    ]);
    expect(log.chargedAfter(0, 1, total)).toBe(12);
    expect(log.chargedAfter(10, 1, total)).toBe(7);
  });

  it('after dropping entries and growing, a time before what it holds is unknown, not everything since the start (a figure once read 21 819 tokens of debt from it)', () => {
    const log = new TransitLog(100);
    // Sparse admissions: the ring of 8 wraps, dropping entries far older than the horizon.
    const sparse = Array.from({ length: 20 }, (_, i) => [i * 1_000, 100] as const);
    // Then a burst within the horizon makes it grow: room left, the oldest long gone.
    const burst = Array.from({ length: 12 }, (_, i) => [20_000 + i, 10] as const);
    const total = feed(log, [...sparse, ...burst]);
    expect(log.chargedAfter(0, 1, total)).toBeNaN();
    // What it holds it still answers exactly.
    expect(log.chargedAfter(20_005, 1, total)).toBe(60);
  });

  it('any reading within the horizon is exact, whatever the pattern of admissions (the entry at its edge is kept)', () => {
    fc.assert(
      fc.property(
        // Gaps mostly short (bursts that fill the ring within the horizon), some long (that age it out).
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 300 })), fc.integer({ min: 1, max: 500 })), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 1_000 }),
        (steps, horizon, back) => {
          const log = new TransitLog(horizon);
          const admissions: Array<[number, number]> = [];
          let at = 0;
          for (const [gap, cost] of steps) admissions.push([(at += gap), cost]);
          const total = feed(log, admissions);
          // A reading at most the horizon before the last admission (as the limiter reads it).
          const since = at - Math.min(back, horizon);
          const exact = admissions.filter(([t]) => t > since).reduce((sum, [, cost]) => sum + cost, 0);
          expect(log.chargedAfter(since, 1, total)).toBe(exact);
        },
      ),
      { numRuns: 300 },
    );
  });
});
