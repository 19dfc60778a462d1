/**
 * Per-day limits counted in calendar days (issue 11: "Per-day limits follow the provider's calendar
 * (Google's per-day quotas reset at midnight Pacific) when configured so"): nothing comes back
 * during the day, everything at the midnight of the configured zone.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError, RateLimitExceededError } from '../../src/core/errors.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import { MemorySharedStore } from '../../src/limiter/memory-shared-store.js';
import { PROVIDER_SPECS } from '../../src/providers/provider-specs.js';

const HOUR = 3_600_000;

/** A limiter of 3 requests per day on a clock starting at `wallIso`. */
function dayLimiter(wallIso: string, dailyReset: 'continuous' | 'midnight-utc' | 'midnight-pacific') {
  const clock = new ManualClock({ wallTimeMs: Date.parse(wallIso) });
  const limiter = new RateLimiter({ name: 'gemini', requestsPerDay: 3, dailyReset, maxWaitMs: 48 * HOUR, clock });
  return { clock, limiter };
}

async function spend(limiter: RateLimiter, count: number): Promise<void> {
  for (let i = 0; i < count; i++) (await limiter.acquire()).release();
}

describe('per-day limits in calendar days', () => {
  it("'midnight-pacific': nothing comes back during the day, the whole day's budget at midnight Pacific (08:00 UTC in winter)", async () => {
    const { clock, limiter } = dayLimiter('2026-01-15T09:00:00Z', 'midnight-pacific'); // 01:00 PST
    await spend(limiter, 3);
    await clock.advanceAsync(21 * HOUR); // 22:00 PST: continuous refill would have given 2.6 back
    expect(limiter.tryAcquire()).toBeNull();
    expect(limiter.stats().remaining.requestsPerDay).toBe(0);
    // Waiting for the midnight, not for a refill: 2 h from 22:00 PST.
    expect(limiter.estimateWaitMs()).toBe(2 * HOUR);
    const waiting = limiter.acquire();
    let admittedAt = NaN;
    void waiting.then(() => (admittedAt = clock.wallTime()));
    await clock.advanceAsync(2 * HOUR - 1);
    expect(admittedAt).toBeNaN();
    await clock.advanceAsync(1);
    expect(new Date(admittedAt).toISOString()).toBe('2026-01-16T08:00:00.000Z');
    // The new day holds the whole budget less that one.
    expect(limiter.stats().remaining.requestsPerDay).toBe(2);
    limiter.close();
  });

  it("'midnight-pacific' follows daylight saving time: midnight is 07:00 UTC in summer", async () => {
    const { clock, limiter } = dayLimiter('2026-07-15T06:30:00Z', 'midnight-pacific'); // 23:30 PDT
    await spend(limiter, 3);
    expect(limiter.estimateWaitMs()).toBe(HOUR / 2);
    await clock.advanceAsync(HOUR / 2);
    expect(limiter.tryAcquire()).not.toBeNull();
    limiter.close();
  });

  it("'midnight-utc' resets at 00:00 UTC", async () => {
    const { clock, limiter } = dayLimiter('2026-03-01T23:00:00Z', 'midnight-utc');
    await spend(limiter, 3);
    expect(limiter.tryAcquire()).toBeNull();
    await clock.advanceAsync(HOUR);
    await spend(limiter, 3);
    expect(limiter.tryAcquire()).toBeNull();
    limiter.close();
  });

  it("'continuous' (the default) refills a day's worth over 24 hours instead", async () => {
    const { clock, limiter } = dayLimiter('2026-01-15T09:00:00Z', 'continuous');
    await spend(limiter, 3);
    await clock.advanceAsync(8 * HOUR); // one request's worth of refill
    expect(limiter.tryAcquire()).not.toBeNull();
    limiter.close();
  });

  it('a request refused today is told to come back at midnight, not after a refill', async () => {
    const { clock, limiter } = dayLimiter('2026-01-15T20:00:00Z', 'midnight-utc');
    await spend(limiter, 3);
    const error = await limiter.acquire({ maxWaitMs: HOUR }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect(error).toMatchObject({ dimension: 'requestsPerDay', retryAfterMs: 4 * HOUR });
    expect(clock.now()).toBe(0);
    limiter.close();
  });

  it('a reconciliation within the day stays in the day (a refund is room today, nothing more)', async () => {
    const clock = new ManualClock({ wallTimeMs: Date.parse('2026-01-15T12:00:00Z') });
    const limiter = new RateLimiter({ name: 'gemini', tokensPerDay: 1_000, dailyReset: 'midnight-utc', clock });
    const lease = await limiter.acquire({ tokens: 800 });
    await clock.advanceAsync(6 * HOUR);
    lease.release({ tokens: 300 });
    expect(limiter.stats().remaining.tokensPerDay).toBe(700);
    await clock.advanceAsync(5 * HOUR);
    expect(limiter.stats().remaining.tokensPerDay).toBe(700);
    await clock.advanceAsync(HOUR);
    expect(limiter.stats().remaining.tokensPerDay).toBe(1_000);
    limiter.close();
  });

  it('bad values and a shared store are refused with a ConfigError naming dailyReset', () => {
    const clock = new ManualClock();
    expect(() => new RateLimiter({ requestsPerDay: 3, dailyReset: 'midnight-cet' as never, clock })).toThrow(/rateLimit\.dailyReset.*'continuous', 'midnight-utc', 'midnight-pacific'/);
    const store = new MemorySharedStore({ clock });
    const error = (() => {
      try {
        return new RateLimiter({ requestsPerDay: 3, dailyReset: 'midnight-pacific', clock, store });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/rateLimit\.dailyReset/);
    expect(() => new RateLimiter({ requestsPerDay: 3, dailyReset: 'continuous', clock, store }).close()).not.toThrow();
  });

  it("Gemini's provider spec says its per-day quotas reset at midnight Pacific", () => {
    expect(PROVIDER_SPECS.google.dailyReset).toBe('midnight-pacific');
    expect(PROVIDER_SPECS.openai.dailyReset).toBeUndefined();
  });
});
