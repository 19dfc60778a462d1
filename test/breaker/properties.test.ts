import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { CircuitBreaker, type BreakerStateChangeEvent, type CircuitBreakerOptions } from '../../src/breaker/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { serverError } from './helpers.js';

const STATES = ['closed', 'open', 'half_open', 'isolated'];
const badRequest = Object.assign(new Error('bad request'), { status: 400 });

const optionsArbitrary: fc.Arbitrary<CircuitBreakerOptions> = fc.record(
  {
    failureThreshold: fc.integer({ min: 1, max: 4 }),
    successThreshold: fc.integer({ min: 1, max: 3 }),
    halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
    openMs: fc.integer({ min: 0, max: 2_000 }),
    halfOpenProbeTimeoutMs: fc.integer({ min: 1, max: 5_000 }),
    failureRatio: fc.double({ min: 0.05, max: 1, noNaN: true }),
    samplingWindowMs: fc.integer({ min: 1, max: 5_000 }),
    minimumThroughput: fc.integer({ min: 1, max: 5 }),
    slowCallDurationMs: fc.integer({ min: 0, max: 1_000 }),
    openBackoffFactor: fc.double({ min: 1, max: 3, noNaN: true }),
  },
  { requiredKeys: ['failureThreshold', 'successThreshold', 'halfOpenMaxCalls', 'openMs', 'halfOpenProbeTimeoutMs'] },
);

type Step =
  | { op: 'permit' }
  | { op: 'success' | 'failure' | 'ignoredError' | 'ignore'; pick: number; durationMs: number }
  | { op: 'advance'; ms: number }
  | { op: 'read' }
  | { op: 'reset' }
  | { op: 'isolate' };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ op: 'permit' as const }) },
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constantFrom('success' as const, 'failure' as const, 'ignoredError' as const, 'ignore' as const),
      pick: fc.nat(),
      durationMs: fc.nat(2_000),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.nat(3_000) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'read' as const }) },
  { weight: 1, arbitrary: fc.constantFrom({ op: 'reset' as const }, { op: 'isolate' as const }) },
);

describe('CircuitBreaker properties', () => {
  it('for any sequence of permits, outcomes and time: a valid state, probes within the limit, lawful transitions', () => {
    fc.assert(
      fc.property(optionsArbitrary, fc.array(stepArbitrary, { maxLength: 120 }), (options, steps) => {
        const clock = new ManualClock();
        const breaker = new CircuitBreaker('prop', { ...options, clock });
        const events: BreakerStateChangeEvent[] = [];
        breaker.onStateChange.on((event) => events.push(event));
        // Each permit with the number of state changes seen when it was granted: a probe of the
        // current half-open episode is one granted while half-open with no state change since.
        const inFlight: Array<{ epoch: number; generation: number; asProbe: boolean }> = [];
        const maxProbes = options.halfOpenMaxCalls!;

        for (const step of steps) {
          if (step.op === 'permit') {
            const before = breaker.state; // makes any due transition first
            const generation = events.length;
            const epoch = breaker.tryAcquirePermit();
            expect(events.length).toBe(generation);
            if (before === 'closed') expect(epoch).toBeGreaterThanOrEqual(0);
            if (epoch >= 0) inFlight.push({ epoch, generation, asProbe: before === 'half_open' });
            else expect(breaker.retryAfterMs()).toBeGreaterThanOrEqual(0);
          } else if (step.op === 'advance') {
            clock.advance(step.ms);
          } else if (step.op === 'read') {
            breaker.stats();
          } else if (step.op === 'reset') {
            breaker.reset();
          } else if (step.op === 'isolate') {
            breaker.isolate();
          } else if (inFlight.length > 0) {
            const [permit] = inFlight.splice(step.pick % inFlight.length, 1);
            const epoch = permit!.epoch;
            if (step.op === 'success') breaker.onSuccess(epoch, step.durationMs);
            else if (step.op === 'failure') breaker.onFailure(epoch, serverError(), step.durationMs);
            else if (step.op === 'ignoredError') breaker.onFailure(epoch, badRequest, step.durationMs);
            else breaker.onIgnored(epoch);
          }

          const stats = breaker.stats();
          expect(STATES).toContain(stats.state);
          expect(stats.probesInFlight).toBeLessThanOrEqual(maxProbes);
          const currentProbes = inFlight.filter((p) => p.asProbe && p.generation === events.length).length;
          if (stats.state === 'half_open') {
            expect(currentProbes).toBeLessThanOrEqual(maxProbes);
            expect(stats.probesInFlight).toBe(currentProbes);
          } else {
            expect(stats.probesInFlight).toBe(0);
          }
          expect(stats.transitions).toBe(events.length);
        }

        let previous = 'closed';
        for (const event of events) {
          expect(event.from).toBe(previous);
          expect(event.to).not.toBe(event.from);
          expect(event.from === 'closed' && event.to === 'half_open').toBe(false);
          previous = event.to;
        }
      }),
      { numRuns: 500 },
    );
  });
});
