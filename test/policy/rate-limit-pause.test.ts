/**
 * A 429 is a pause, not a fault (issue 11): the request goes back to its place in the queue for
 * the provider's wait, one pause holds every caller of the service, and the retry budget (which
 * bounds retries of faults) is not spent. Named after what they pin.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ProviderError, RetryExhaustedError } from '../../src/core/errors.js';
import { createResilience } from '../../src/policy/resilience.js';

const rateLimited = (retryAfterMs?: number) => new ProviderError('openai', 'rate_limited', 'Rate limit reached for gpt-4o. Please try again in 295ms', 429, retryAfterMs);
const unavailable = () => new ProviderError('openai', 'server_error', 'upstream unavailable', 503);

/** Advances the manual clock in small steps until `promise` settles (bounded). */
async function settle<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 10_000 && !done; i++) await clock.advanceAsync(10);
  return promise;
}

function service(clock: ManualClock, budget = { ratio: 0, minRetriesPerSecond: 0.1, windowMs: 10_000 }) {
  // A budget of one retry per ten seconds: a 429 that spent it would leave no retry for a fault.
  return createResilience({
    clock,
    services: { openai: { rateLimit: { requestsPerMinute: 600, maxWaitMs: 30_000 }, retry: { maxRetries: 3, baseDelayMs: 100, budget }, circuitBreaker: false } },
  });
}

describe('a 429 is a pause, not a fault', () => {
  it('a 429 saying "retry in 295 ms" does not spend the retry budget: a fault later still gets its retry', async () => {
    const clock = new ManualClock();
    const resilience = service(clock);
    let calls = 0;
    const first = resilience.execute('openai', async () => {
      calls++;
      if (calls <= 2) throw rateLimited(295);
      return 'ok';
    });
    await expect(settle(clock, first)).resolves.toBe('ok');
    expect(calls).toBe(3);
    // A hung or failing request right after: the budget still has its retry for it.
    let faults = 0;
    const second = resilience.execute('openai', async () => {
      if (faults++ === 0) throw unavailable();
      return 'ok';
    });
    await expect(settle(clock, second)).resolves.toBe('ok');
    expect(faults).toBe(2);
  });

  it('the request waits the provider\'s 295 ms, not a backoff, and counts as a retry in the stats', async () => {
    const clock = new ManualClock();
    const resilience = service(clock);
    const startedAt: number[] = [];
    const call = resilience.execute('openai', async () => {
      startedAt.push(clock.now());
      if (startedAt.length === 1) throw rateLimited(295);
      return 'ok';
    });
    await settle(clock, call);
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(295);
    expect(startedAt[1]! - startedAt[0]!).toBeLessThan(400);
    expect(resilience.getStats().services.openai!.retries).toBe(1);
  });

  it('one 429 holds every caller of the service for its pause', async () => {
    const clock = new ManualClock();
    const resilience = service(clock);
    let hit = false;
    const a = resilience.execute('openai', async () => {
      if (!hit) {
        hit = true;
        throw rateLimited(1_000);
      }
      return 'a';
    });
    await clock.advanceAsync(0);
    const startedB: number[] = [];
    const b = resilience.execute('openai', async () => {
      startedB.push(clock.now());
      return 'b';
    });
    await settle(clock, Promise.all([a, b]));
    expect(startedB[0]).toBeGreaterThanOrEqual(1_000);
  });

  it('a request that keeps meeting 429s stops after maxRetries of them (bounded), with every cause', async () => {
    const clock = new ManualClock();
    const resilience = service(clock);
    let calls = 0;
    const call = resilience.execute('openai', async () => {
      calls++;
      throw rateLimited(100);
    });
    const error = await settle(clock, call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(calls).toBe(4);
    expect((error as RetryExhaustedError).attempts).toHaveLength(4);
  });

  it('a retry-after beyond maxPauseMs is not waited for: the call stops at once (a fallback serves), the service pauses for the cap', async () => {
    const clock = new ManualClock();
    const resilience = service(clock);
    let calls = 0;
    const call = resilience.execute('openai', async () => {
      calls++;
      throw rateLimited(86_400_000);
    });
    const error = await settle(clock, call).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).reason).toBe('retry_after_too_long');
    expect(calls).toBe(1);
    expect(resilience.getStats().rateLimiters.openai!.pausedForMs).toBeLessThanOrEqual(60_000);
    expect(resilience.getStats().rateLimiters.openai!.pausedForMs).toBeGreaterThan(50_000);
  });
});
