/**
 * Whatever the samples (any latencies, in-flight counts, outcomes, times, options), the limit is an
 * integer within [minLimit, maxLimit], never NaN, and stats stay finite or undefined.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AdaptiveConcurrency } from '../../src/limiter/adaptive-concurrency.js';

// Mostly steady latencies and full limits, so that runs reach maxLimit and drop to minLimit; some extremes.
const sampleArbitrary = fc.record({
  latencyMs: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(100, 100, 100, 120, 180, 400) },
    { weight: 2, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1e-300, 1e300, Number.MAX_VALUE) },
  ),
  inFlight: fc.oneof(
    { weight: 6, arbitrary: fc.constant('limit' as const) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 500 }) },
    { weight: 1, arbitrary: fc.oneof(fc.double({ min: -10, max: 1e9, noNaN: true }), fc.constant(Number.MAX_VALUE)) },
  ),
  outcome: fc.oneof(
    { weight: 8, arbitrary: fc.constant('success' as const) },
    { weight: 1, arbitrary: fc.constantFrom('dropped' as const, 'ignored' as const) },
  ),
  advanceMs: fc.double({ min: 0, max: 10_000, noNaN: true }),
});

const optionsArbitrary = fc
  .record({
    minLimit: fc.integer({ min: 1, max: 20 }),
    span: fc.integer({ min: 0, max: 300 }),
    start: fc.double({ min: 0, max: 1, noNaN: true }),
    algorithm: fc.constantFrom('gradient' as const, 'aimd' as const),
    tolerance: fc.double({ min: 1.01, max: 4, noNaN: true }),
    backoffRatio: fc.double({ min: 0.05, max: 0.99, noNaN: true }),
    windowSamples: fc.integer({ min: 1, max: 20 }),
    windowMs: fc.constantFrom(0, 50, 1_000),
  })
  .map(({ minLimit, span, start, ...rest }) => ({
    ...rest,
    minLimit,
    maxLimit: minLimit + span,
    initialLimit: minLimit + Math.floor(start * span),
  }));

describe('AdaptiveConcurrency: invariants under any samples', () => {
  it('the limit stays an integer in [minLimit, maxLimit]', () => {
    fc.assert(
      fc.property(optionsArbitrary, fc.array(sampleArbitrary, { maxLength: 400 }), (options, samples) => {
        const adaptive = new AdaptiveConcurrency(options);
        let now = 0;
        for (const sample of samples) {
          now += sample.advanceMs;
          const inFlight = sample.inFlight === 'limit' ? adaptive.limit : sample.inFlight;
          const changed = adaptive.onSample(sample.latencyMs, inFlight, sample.outcome, now);
          const limit = adaptive.limit;
          expect(Number.isInteger(limit)).toBe(true);
          expect(limit).toBeGreaterThanOrEqual(options.minLimit);
          expect(limit).toBeLessThanOrEqual(options.maxLimit);
          if (sample.outcome === 'ignored') expect(changed).toBe(false);
          const stats = adaptive.stats();
          expect(stats.limit).toBe(limit);
          for (const value of [stats.rttNoLoadMs, stats.shortRttMs]) if (value !== undefined) expect(Number.isFinite(value)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('non-finite or negative inputs are ignored', () => {
    const adaptive = new AdaptiveConcurrency({ initialLimit: 10, windowSamples: 1 });
    for (const [latency, inFlight, now] of [[NaN, 10, 0], [Infinity, 10, 0], [-1, 10, 0], [100, NaN, 0], [100, Infinity, 0], [100, 10, NaN]]) {
      expect(adaptive.onSample(latency!, inFlight!, 'dropped', now!)).toBe(false);
    }
    expect(adaptive.stats()).toMatchObject({ limit: 10, samples: 0 });
  });

  it('sums that overflow to Infinity leave the limit as it was', () => {
    const adaptive = new AdaptiveConcurrency({ initialLimit: 10, windowSamples: 2 });
    adaptive.onSample(100, 10, 'success', 0);
    adaptive.onSample(100, 10, 'success', 1); // the floor: 100 ms
    const before = adaptive.limit;
    adaptive.onSample(Number.MAX_VALUE, Number.MAX_VALUE, 'success', 2);
    adaptive.onSample(Number.MAX_VALUE, Number.MAX_VALUE, 'success', 3); // Infinity / Infinity
    expect(adaptive.limit).toBe(before);
    expect(adaptive.stats().shortRttMs).toBeUndefined();
  });
});
