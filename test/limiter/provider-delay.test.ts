/**
 * The provider admits a request some time after we do. From a full bucket its refill during that
 * delay is wasted on its side, so a limiter that ignores it runs ahead of the provider and earns
 * 429s. With `providerDelayMs` >= the real delay, the provider never refuses what we admitted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';

/** An independent model of the provider: a bucket of `burst` refilled continuously at `perMs`. */
function providerRejections(arrivals: { at: number; cost: number }[], burst: number, perMs: number): number {
  let level = burst;
  let last = -Infinity;
  let rejected = 0;
  for (const { at, cost } of [...arrivals].sort((a, b) => a.at - b.at)) {
    level = Math.min(burst, level + (last === -Infinity ? 0 : (at - last) * perMs));
    last = at;
    if (level + 1e-9 < cost) rejected++;
    else level -= cost;
  }
  return rejected;
}

async function admitAll(limiter: RateLimiter, clock: ManualClock, requests: { at: number; tokens: number }[]) {
  const admitted: { at: number; cost: number }[] = [];
  for (const r of requests) {
    clock.setTimer(() => {
      void limiter.acquire({ tokens: r.tokens }).then(
        (lease) => {
          admitted.push({ at: clock.now(), cost: r.tokens });
          lease.release();
        },
        () => undefined,
      );
    }, r.at);
  }
  for (let i = 0; i < 400 && clock.pendingTimers > 0; i++) await clock.advanceAsync(500);
  return admitted;
}

describe('providerDelayMs', () => {
  it('from a full bucket, charges the refill of the delay up front', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 60, providerDelayMs: 100, clock });
    const admittedAt: number[] = [];
    for (let i = 0; i < 61; i++) void limiter.acquire().then(() => admittedAt.push(clock.now()));
    await clock.advanceAsync(0);
    expect(admittedAt).toHaveLength(59);
    await clock.advanceAsync(100);
    expect(admittedAt).toHaveLength(60);
    await clock.advanceAsync(1000);
    expect(admittedAt).toHaveLength(61);
  });

  it('without it, a provider that admits 50 ms after us refuses some of what we admitted', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ tokensPerMinute: 6000, burst: { tokensPerMinute: 1000 }, clock, maxWaitMs: Infinity, maxQueue: Infinity });
    const requests = Array.from({ length: 40 }, (_, i) => ({ at: i * 20, tokens: 100 }));
    const admitted = await admitAll(limiter, clock, requests);
    // The first request is slow to arrive (50 ms), the rest arrive at once: the provider's bucket wasted 50 ms of refill.
    const arrivals = admitted.map((a, i) => ({ at: a.at + (i === 0 ? 50 : 0), cost: a.cost }));
    expect(providerRejections(arrivals, 1000, 6000 / 60_000)).toBeGreaterThan(0);
  });

  it('with it, the provider never refuses what we admitted, whatever the delays up to it (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 20_000 }), tokens: fc.integer({ min: 1, max: 900 }), delay: fc.double({ min: 0, max: 80, noNaN: true }) }), {
          minLength: 1,
          maxLength: 120,
        }),
        async (requests) => {
          const clock = new ManualClock();
          const limiter = new RateLimiter({ tokensPerMinute: 6000, burst: { tokensPerMinute: 1000 }, providerDelayMs: 80, clock, maxWaitMs: Infinity, maxQueue: Infinity });
          const admitted = await admitAll(limiter, clock, requests);
          expect(admitted).toHaveLength(requests.length);
          const arrivals = admitted.map((a, i) => ({ at: a.at + requests[i]!.delay, cost: a.cost }));
          expect(providerRejections(arrivals, 1000, 6000 / 60_000)).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});
