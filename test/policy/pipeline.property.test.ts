/**
 * Under random outcomes (successes, 5xx, 429 with retry-after, 4xx, hangs, caller aborts), every
 * request settles exactly once, calls in flight never exceed the concurrency cap, the counters
 * add up, and once everything has settled nothing is held and no timer is left.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createResilience } from '../../src/policy/resilience.js';

type Outcome = { kind: 'ok' | '503' | '429' | '400' | 'hang'; afterMs: number; retryAfterS: number };

const outcomeArbitrary: fc.Arbitrary<Outcome> = fc.record({
  kind: fc.constantFrom('ok', 'ok', '503', '429', '400', 'hang'),
  afterMs: fc.integer({ min: 0, max: 400 }),
  retryAfterS: fc.integer({ min: 0, max: 3 }),
});

const requestArbitrary = fc.record({
  startAtMs: fc.integer({ min: 0, max: 3000 }),
  attempts: fc.array(outcomeArbitrary, { minLength: 1, maxLength: 4 }),
  abortAtMs: fc.option(fc.integer({ min: 0, max: 4000 }), { nil: null, freq: 5 }),
  priority: fc.constantFrom('high' as const, 'normal' as const, 'low' as const),
  tokens: fc.integer({ min: 1, max: 400 }),
});

const MAX_CONCURRENT = 3;

describe('Pipeline properties (fast-check)', () => {
  it('every request settles exactly once; concurrency <= cap; counters add up; nothing left behind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArbitrary, { minLength: 1, maxLength: 25 }), async (requests) => {
        const clock = new ManualClock();
        const resilience = createResilience({
          clock,
          services: {
            openai: {
              rateLimit: { requestsPerMinute: 120, burst: { requestsPerMinute: 4 }, tokensPerMinute: 20_000, maxConcurrent: MAX_CONCURRENT, maxWaitMs: 2000 },
              circuitBreaker: { failureThreshold: 3, openMs: 1000 },
              retry: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 2000, budget: false },
              timeoutMs: 500,
            },
          },
        });
        let inFlight = 0;
        let maxInFlight = 0;
        const settlements = new Array<number>(requests.length).fill(0);
        const done: Promise<void>[] = [];
        requests.forEach((request, index) => {
          const controller = new AbortController();
          if (request.abortAtMs !== null) clock.setTimer(() => controller.abort(), request.abortAtMs);
          clock.setTimer(() => {
            let attempt = 0;
            const call = resilience.execute(
              'openai',
              ({ signal }) => {
                const outcome = request.attempts[Math.min(attempt++, request.attempts.length - 1)]!;
                inFlight++;
                maxInFlight = Math.max(maxInFlight, inFlight);
                return new Promise<string>((resolve, reject) => {
                  let finished = false;
                  const end = () => {
                    if (finished) return false;
                    finished = true;
                    inFlight--;
                    return true;
                  };
                  signal?.addEventListener('abort', () => end() && reject(signal.reason));
                  if (outcome.kind === 'hang') return;
                  clock.setTimer(() => {
                    if (!end()) return;
                    if (outcome.kind === 'ok') resolve('ok');
                    else if (outcome.kind === '429') reject(Object.assign(new Error('429'), { status: 429, headers: { 'retry-after': String(outcome.retryAfterS) } }));
                    else reject(Object.assign(new Error(outcome.kind), { status: Number(outcome.kind) }));
                  }, outcome.afterMs);
                });
              },
              { signal: controller.signal, priority: request.priority, tokens: request.tokens },
            );
            done.push(
              call.then(
                () => void settlements[index]!++,
                () => void settlements[index]!++,
              ),
            );
          }, request.startAtMs);
        });
        for (let i = 0; i < 120 && clock.pendingTimers > 0; i++) await clock.advanceAsync(250);
        await Promise.all(done);
        expect(settlements).toEqual(requests.map(() => 1));
        expect(maxInFlight).toBeLessThanOrEqual(MAX_CONCURRENT);
        expect(inFlight).toBe(0);
        const stats = resilience.getStats();
        expect(stats.services.openai!.requests).toBe(requests.length);
        expect(stats.services.openai!.succeeded + stats.services.openai!.failed).toBe(requests.length);
        expect(stats.rateLimiters.openai).toMatchObject({ concurrentRequests: 0, queued: 0 });
        expect(clock.pendingTimers).toBe(0);
      }),
      { numRuns: 120 },
    );
  }, 60_000);
});
