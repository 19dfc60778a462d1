import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TIMER_DELAY_MS } from '../../src/core/clock.js';
import { backoffDelayMs, cappedExponentialDelayMs, nextBackoffDelayMs } from '../../src/retry/backoff.js';
import { type JitterKind, resolveBackoffOptions } from '../../src/retry/retry-options.js';

const JITTERS: JitterKind[] = ['full', 'equal', 'decorrelated', 'none'];
const HUGE_ATTEMPTS = [31, 64, 1_024, 1_075, 10_000, 1e9, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Infinity];

const optionsArbitrary = fc.record({
  baseDelayMs: fc.double({ min: 0, max: 1e7, noNaN: true }),
  maxDelayMs: fc.double({ min: 0, max: MAX_TIMER_DELAY_MS, noNaN: true }),
  exponentialBase: fc.double({ min: 1, max: 1e3, noNaN: true }),
});
const attemptArbitrary = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constantFrom(...HUGE_ATTEMPTS), fc.double({ min: 0, max: 1e12, noNaN: true }));
const unitArbitrary = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoffDelayMs', () => {
  it("follows the seeds' example delays without jitter: 1, 2, 4, 8, 16 s", () => {
    expect([0, 1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, { jitter: 'none' }))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('defaults to full jitter: attempt n is random(0, min(1000 × 2^n, 60 000))', () => {
    expect([0, 1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, undefined, () => 0.5))).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(backoffDelayMs(10, undefined, () => 0.5)).toBe(30_000);
    expect(backoffDelayMs(0, {}, () => 0)).toBe(0);
  });

  it('equal jitter keeps half the capped delay and randomises the other half', () => {
    expect(backoffDelayMs(2, { jitter: 'equal' }, () => 0)).toBe(2000);
    expect(backoffDelayMs(2, { jitter: 'equal' }, () => 0.5)).toBe(3000);
  });

  it('maps the seeds\' jitter booleans: true is full, false is none', () => {
    expect(backoffDelayMs(1, { jitter: true }, () => 0.25)).toBe(500);
    expect(backoffDelayMs(1, { jitter: false }, () => 0.25)).toBe(2000);
  });

  it('decorrelated jitter takes the base as the previous delay: random(base, 3 × base)', () => {
    expect(backoffDelayMs(7, { jitter: 'decorrelated' }, () => 0)).toBe(1000);
    expect(backoffDelayMs(7, { jitter: 'decorrelated' }, () => 0.5)).toBe(2000);
  });

  it('honours maxDelayMs and exponentialBase', () => {
    expect(backoffDelayMs(3, { baseDelayMs: 100, exponentialBase: 3, maxDelayMs: 1_000, jitter: 'none' })).toBe(1_000);
    expect(backoffDelayMs(2, { baseDelayMs: 100, exponentialBase: 3, maxDelayMs: 1_000, jitter: 'none' })).toBe(900);
    expect(backoffDelayMs(50, { exponentialBase: 1, jitter: 'none' })).toBe(1000);
  });

  it('stays within bounds for every jitter kind over attempts 0..30 and huge attempts', () => {
    const options = { baseDelayMs: 250, maxDelayMs: 30_000 };
    for (const jitter of JITTERS) {
      for (const attempt of [...Array.from({ length: 31 }, (_, i) => i), ...HUGE_ATTEMPTS]) {
        for (const r of [0, 0.3, 0.999999]) {
          const delayMs = backoffDelayMs(attempt, { ...options, jitter }, () => r);
          expect(Number.isFinite(delayMs), `${jitter} attempt ${attempt}`).toBe(true);
          expect(delayMs).toBeGreaterThanOrEqual(0);
          expect(delayMs).toBeLessThanOrEqual(30_000);
        }
      }
    }
  });

  it('property: always finite, within [0, maxDelayMs], and each jitter within its own range', () => {
    fc.assert(
      fc.property(optionsArbitrary, attemptArbitrary, unitArbitrary, fc.constantFrom(...JITTERS), (options, attempt, r, jitter) => {
        const delayMs = backoffDelayMs(attempt, { ...options, jitter }, () => r);
        expect(Number.isFinite(delayMs)).toBe(true);
        expect(delayMs).toBeGreaterThanOrEqual(0);
        expect(delayMs).toBeLessThanOrEqual(options.maxDelayMs);
        const exponent = Math.min(attempt, Number.MAX_VALUE); // 1 ** Infinity is NaN
        const cappedMs = options.baseDelayMs === 0 ? 0 : Math.min(options.baseDelayMs * options.exponentialBase ** exponent, options.maxDelayMs);
        if (jitter === 'none') expect(delayMs).toBe(cappedMs);
        if (jitter === 'full') expect(delayMs).toBeLessThanOrEqual(cappedMs);
        if (jitter === 'equal') expect(delayMs).toBeGreaterThanOrEqual(cappedMs / 2);
        if (jitter === 'decorrelated') expect(delayMs).toBeGreaterThanOrEqual(Math.min(options.baseDelayMs, options.maxDelayMs));
      }),
      { numRuns: 2_000 },
    );
  });

  it('property: a misbehaving random source (NaN, negative, >= 1, Infinity) cannot push a delay out of bounds', () => {
    const badRandom = fc.oneof(fc.constantFrom(NaN, -1, 1, 2, Infinity, -Infinity), fc.double());
    fc.assert(
      fc.property(optionsArbitrary, attemptArbitrary, badRandom, fc.constantFrom(...JITTERS), (options, attempt, r, jitter) => {
        const delayMs = backoffDelayMs(attempt, { ...options, jitter }, () => r);
        expect(Number.isFinite(delayMs)).toBe(true);
        expect(delayMs).toBeGreaterThanOrEqual(0);
        expect(delayMs).toBeLessThanOrEqual(options.maxDelayMs);
      }),
    );
  });

  it('treats a negative or NaN attempt as the first retry', () => {
    expect(backoffDelayMs(-3, { jitter: 'none' })).toBe(1000);
    expect(backoffDelayMs(NaN, { jitter: 'none' })).toBe(1000);
  });

  it('uses Math.random by default and stays in range', () => {
    for (let i = 0; i < 100; i++) {
      const delayMs = backoffDelayMs(3);
      expect(delayMs).toBeGreaterThanOrEqual(0);
      expect(delayMs).toBeLessThanOrEqual(8000);
    }
  });
});

describe('regressions', () => {
  it('cockatiel#86: jitter never turns NaN or Infinity after many attempts', () => {
    for (const jitter of JITTERS) {
      let previousDelayMs: number | undefined;
      for (let attempt = 0; attempt <= 10_000; attempt++) {
        previousDelayMs = nextBackoffDelayMs(attempt, previousDelayMs, { jitter }, () => 0.7);
        if (!(previousDelayMs >= 0 && previousDelayMs <= 60_000)) throw new Error(`${jitter} attempt ${attempt}: ${previousDelayMs}`);
      }
      expect(backoffDelayMs(10_000, { jitter }, () => 0.7)).toBeLessThanOrEqual(60_000);
    }
  });

  it('Polly#2163: attempt 10 000 or 1e9 gives a finite delay at the cap, not an overflow', () => {
    expect(backoffDelayMs(10_000, { jitter: 'none' })).toBe(60_000);
    expect(backoffDelayMs(1e9, { jitter: 'none' })).toBe(60_000);
    expect(backoffDelayMs(1e9, { jitter: 'full' }, () => 0.5)).toBe(30_000);
    expect(backoffDelayMs(1e9, { jitter: 'equal' }, () => 0.5)).toBe(45_000);
    // base 0 × 2^1e9 would be 0 × Infinity = NaN.
    expect(backoffDelayMs(1e9, { baseDelayMs: 0, jitter: 'none' })).toBe(0);
    // 1^Infinity is NaN in JavaScript.
    expect(backoffDelayMs(Infinity, { exponentialBase: 1, jitter: 'none' })).toBe(1000);
  });
});

describe('nextBackoffDelayMs', () => {
  it('decorrelated jitter draws from random(base, 3 × previous), capped', () => {
    const options = { jitter: 'decorrelated' as const, baseDelayMs: 100, maxDelayMs: 5_000 };
    expect(nextBackoffDelayMs(0, 1_000, options, () => 0.5)).toBe(1_550);
    expect(nextBackoffDelayMs(0, 1_000, options, () => 0)).toBe(100);
    expect(nextBackoffDelayMs(0, 4_000, options, () => 0.9)).toBe(5_000);
  });

  it('decorrelated delays grow from one retry to the next and stay within [base, max]', () => {
    const options = { jitter: 'decorrelated' as const, baseDelayMs: 100, maxDelayMs: 5_000 };
    const delays: number[] = [];
    let previousDelayMs: number | undefined;
    for (let attempt = 0; attempt < 8; attempt++) delays.push((previousDelayMs = nextBackoffDelayMs(attempt, previousDelayMs, options, () => 0.9)));
    expect(delays[0]).toBeCloseTo(280);
    expect(delays[1]).toBeCloseTo(766);
    expect(delays.at(-1)).toBe(5_000);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(100);
  });

  it('brings a previous delay it did not compute back in range', () => {
    const options = { jitter: 'decorrelated' as const, baseDelayMs: 100, maxDelayMs: 5_000 };
    for (const previous of [NaN, -5, Infinity, 1e300]) {
      const delayMs = nextBackoffDelayMs(0, previous, options, () => 0.5);
      expect(delayMs).toBeGreaterThanOrEqual(100);
      expect(delayMs).toBeLessThanOrEqual(5_000);
    }
  });

  it('ignores the previous delay for the other jitter kinds', () => {
    expect(nextBackoffDelayMs(2, 50_000, { jitter: 'none' })).toBe(4000);
  });
});

describe('cappedExponentialDelayMs', () => {
  it('is min(base × exp^attempt, max)', () => {
    const options = resolveBackoffOptions({ baseDelayMs: 10, exponentialBase: 10, maxDelayMs: 5_000 });
    expect([0, 1, 2, 3, 4].map((attempt) => cappedExponentialDelayMs(attempt, options))).toEqual([10, 100, 1_000, 5_000, 5_000]);
  });
});
