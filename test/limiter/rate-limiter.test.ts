import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError, RateLimitExceededError } from '../../src/core/errors.js';
import type { ResilienceEvent } from '../../src/core/events.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import type { Lease } from '../../src/limiter/lease.js';

/** Starts `count` acquisitions and records when each settles, in order. */
function track<T>(promises: Promise<T>[]) {
  const settled: { index: number; ok: boolean; value: T | unknown }[] = [];
  promises.forEach((p, index) =>
    p.then(
      (value) => settled.push({ index, ok: true, value }),
      (value) => settled.push({ index, ok: false, value }),
    ),
  );
  return settled;
}

describe('RateLimiter: continuous refill', () => {
  it('60 RPM from a full bucket admits 60 at once, then one per second', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ name: 'openai', requestsPerMinute: 60, clock, maxWaitMs: 120_000, maxQueue: 1000 });
    const settled = track(Array.from({ length: 65 }, () => limiter.acquire()));
    await clock.advanceAsync(0);
    expect(settled.length).toBe(60);
    await clock.advanceAsync(999);
    expect(settled.length).toBe(60);
    await clock.advanceAsync(1);
    expect(settled.length).toBe(61);
    await clock.advanceAsync(1000);
    expect(settled.length).toBe(62);
    await clock.advanceAsync(3000);
    expect(settled.length).toBe(65);
    expect(settled.every((s) => s.ok)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('the same in tokens: 6 000 TPM, 100-token requests', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ tokensPerMinute: 6000, clock, maxWaitMs: 60_000 });
    const settled = track(Array.from({ length: 62 }, () => limiter.acquire({ tokens: 100 })));
    await clock.advanceAsync(0);
    expect(settled.length).toBe(60);
    await clock.advanceAsync(1000);
    expect(settled.length).toBe(61);
    await clock.advanceAsync(1000);
    expect(settled.length).toBe(62);
  });

  it('a per-second provider gets no minute-sized burst (xAI: RPM/60 per second)', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ name: 'xai', requestsPerMinute: 600, burst: { requestsPerMinute: 10 }, clock });
    const settled = track(Array.from({ length: 30 }, () => limiter.acquire()));
    await clock.advanceAsync(0);
    expect(settled.length).toBe(10);
    await clock.advanceAsync(1000);
    expect(settled.length).toBe(20);
  });

  it('input and output tokens are limited apart (Anthropic ITPM / OTPM)', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ inputTokensPerMinute: 1000, outputTokensPerMinute: 600, clock, maxWaitMs: 60_000 });
    const settled = track([
      limiter.acquire({ inputTokens: 500, outputTokens: 100 }),
      limiter.acquire({ inputTokens: 500, outputTokens: 100 }),
      limiter.acquire({ inputTokens: 10, outputTokens: 400 }), // output fits, input does not
    ]);
    await clock.advanceAsync(0);
    expect(settled.length).toBe(2);
    await clock.advanceAsync(599); // 10 input tokens refill in 600 ms
    expect(settled.length).toBe(2);
    await clock.advanceAsync(1);
    expect(settled.length).toBe(3);
  });

  it('per-day limits refill continuously over the day', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerDay: 2, clock, maxWaitMs: Infinity });
    const settled = track([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    await clock.advanceAsync(0);
    expect(settled.length).toBe(2);
    await clock.advanceAsync(43_200_000);
    expect(settled.length).toBe(3);
  });

  it('a refusal leaves the bucket unchanged (upstash/ratelimit-js#156)', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ tokensPerMinute: 1000, clock, maxWaitMs: 0 });
    (await limiter.acquire({ tokens: 900 })).release();
    await expect(limiter.acquire({ tokens: 200 })).rejects.toBeInstanceOf(RateLimitExceededError);
    expect(limiter.stats().remaining.tokensPerMinute).toBe(100);
    await expect(limiter.acquire({ tokens: 100 })).resolves.toBeDefined();
  });
});

describe('RateLimiter: all dimensions at once or none', () => {
  it('admits nothing on any dimension when one dimension refuses', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 10, tokensPerMinute: 1000, clock, maxWaitMs: 0 });
    await limiter.acquire({ tokens: 950 });
    await expect(limiter.acquire({ tokens: 100 })).rejects.toMatchObject({ dimension: 'tokensPerMinute' });
    expect(limiter.stats().remaining).toEqual({ requestsPerMinute: 9, tokensPerMinute: 50 });
  });
});

describe('RateLimiter: concurrency', () => {
  it('caps requests in flight; a release admits the next waiter', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ maxConcurrent: 2, clock });
    const settled = track([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    await clock.advanceAsync(0);
    expect(settled.length).toBe(2);
    expect(limiter.stats().concurrentRequests).toBe(2);
    expect(limiter.stats().queued).toBe(1);
    (settled[0]!.value as Lease).release();
    await clock.advanceAsync(0);
    expect(settled.length).toBe(3);
    expect(limiter.stats().concurrentRequests).toBe(2);
  });

  it('releasing twice is harmless and frees one slot only', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ maxConcurrent: 2, clock });
    const a = await limiter.acquire();
    await limiter.acquire();
    a.release();
    a.release();
    expect(limiter.stats().concurrentRequests).toBe(1);
    const c = await limiter.acquire();
    expect(limiter.stats().concurrentRequests).toBe(2);
    a.release(); // a stale release must not free c's slot
    expect(limiter.stats().concurrentRequests).toBe(2);
    c.release();
  });

  it('a lease never released gives its slot back after leaseTimeoutMs', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ maxConcurrent: 1, leaseTimeoutMs: 30_000, maxWaitMs: 60_000, clock });
    await limiter.acquire(); // the caller "crashes" and never releases
    const settled = track([limiter.acquire()]);
    await clock.advanceAsync(29_999);
    expect(settled.length).toBe(0);
    await clock.advanceAsync(1);
    expect(settled.length).toBe(1);
    expect(limiter.stats().expiredLeases).toBe(1);
  });
});

describe('RateLimiter: priorities and waiting', () => {
  it('serves high, then normal, then low, FIFO within each, under saturation', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: { requestsPerMinute: 1 }, clock, maxWaitMs: 60_000 });
    await limiter.acquire();
    const order: string[] = [];
    const names = ['low1', 'normal1', 'high1', 'low2', 'high2', 'normal2'];
    const priorities = ['low', 'normal', 'high', 'low', 'high', 'normal'] as const;
    const all = names.map((name, i) => limiter.acquire({ priority: priorities[i] }).then(() => order.push(name)));
    await clock.advanceAsync(6000);
    await Promise.all(all);
    expect(order).toEqual(['high1', 'high2', 'normal1', 'normal2', 'low1', 'low2']);
  });

  it('critical bypasses the limiter, but its usage is counted', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 2, maxConcurrent: 1, clock, maxWaitMs: 0 });
    await limiter.acquire();
    await expect(limiter.acquire({ priority: 'critical' })).resolves.toBeDefined();
    expect(limiter.stats()).toMatchObject({ requestsLastMinute: 2, concurrentRequests: 2, remaining: { requestsPerMinute: 0 } });
    await expect(limiter.acquire()).rejects.toBeInstanceOf(RateLimitExceededError);
  });

  it('rejects at once, naming the dimension, when the wait would pass maxWaitMs (resilience4j#1283)', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ name: 'openai', requestsPerMinute: 60, burst: { requestsPerMinute: 1 }, clock, maxWaitMs: 1500 });
    await limiter.acquire();
    const second = limiter.acquire();
    const third = limiter.acquire(); // would need 2 s
    await expect(third).rejects.toMatchObject({ name: 'RateLimitExceededError', dimension: 'requestsPerMinute', reason: 'timeout', service: 'openai' });
    const error = (await third.catch((e: unknown) => e)) as RateLimitExceededError;
    expect(error.retryAfterMs).toBeCloseTo(2000, 5);
    await clock.advanceAsync(1000);
    await expect(second).resolves.toBeDefined();
  });

  it('a waiter held by concurrency rejects at its deadline with when it would have fit', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ maxConcurrent: 1, clock, maxWaitMs: 15_000 });
    await limiter.acquire();
    const settled = track([limiter.acquire()]);
    await clock.advanceAsync(14_999);
    expect(settled.length).toBe(0);
    await clock.advanceAsync(1);
    expect(settled[0]!.ok).toBe(false);
    expect(settled[0]!.value).toMatchObject({ reason: 'timeout', dimension: 'maxConcurrent' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('every wait ends at its deadline or its abort, immediately (node-rate-limiter-flexible#212)', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ maxConcurrent: 1, clock });
    await limiter.acquire();
    const controller = new AbortController();
    const settled = track([limiter.acquire({ signal: controller.signal })]);
    await clock.advanceAsync(10);
    controller.abort(new Error('caller gave up'));
    await clock.advanceAsync(0);
    expect(settled[0]).toMatchObject({ ok: false, value: new Error('caller gave up') });
    expect(limiter.stats().queued).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('an already-aborted signal rejects without queueing', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 1, clock: new ManualClock() });
    await limiter.acquire();
    await expect(limiter.acquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(limiter.stats().queued).toBe(0);
  });

  it('aborted waiters are skipped: the rest are admitted in order without gaps (cockatiel#112, dotnet/runtime#77180)', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: { requestsPerMinute: 1 }, clock, maxWaitMs: 60_000 });
    await limiter.acquire();
    const controllers = Array.from({ length: 10 }, () => new AbortController());
    const admittedAt: number[] = [];
    const results = controllers.map((c, i) =>
      limiter.acquire({ signal: c.signal }).then(
        () => admittedAt[i] = clock.now(),
        () => undefined,
      ),
    );
    controllers.forEach((c, i) => i % 2 === 0 && c.abort());
    await clock.advanceAsync(10_000);
    await Promise.all(results);
    expect(admittedAt.filter((t) => t !== undefined)).toEqual([1000, 2000, 3000, 4000, 5000]);
  });

  it('past maxQueue, rejects at once', async () => {
    const limiter = new RateLimiter({ maxConcurrent: 1, maxQueue: 1, clock: new ManualClock() });
    await limiter.acquire();
    void limiter.acquire().catch(() => undefined);
    await expect(limiter.acquire()).rejects.toMatchObject({ reason: 'queue_full' });
  });

  it('a request that can never fit rejects at once, naming the limit (shell_gpt#653)', async () => {
    const limiter = new RateLimiter({ name: 'openai', tokensPerMinute: 30_000, clock: new ManualClock() });
    const error = (await limiter.acquire({ tokens: 31_538 }).catch((e: unknown) => e)) as RateLimitExceededError;
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect(error).toMatchObject({ reason: 'never_fits', dimension: 'tokensPerMinute', retryAfterMs: Infinity });
    expect(error.message).toContain('31538');
  });
});

describe('RateLimiter: reconciliation', () => {
  it('refunds unused tokens and admits a waiter at once', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ tokensPerMinute: 1000, clock, maxWaitMs: 60_000 });
    const lease = await limiter.acquire({ tokens: 800 });
    const settled = track([limiter.acquire({ tokens: 500 })]);
    await clock.advanceAsync(0);
    expect(settled.length).toBe(0);
    lease.release({ tokens: 300 });
    await clock.advanceAsync(0);
    expect(settled.length).toBe(1);
    expect(limiter.stats().tokensLastMinute).toBe(800);
  });

  it('debits usage above the estimate', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ tokensPerMinute: 1000, clock });
    const lease = await limiter.acquire({ tokens: 100 });
    lease.release({ tokens: 700 });
    expect(limiter.stats().remaining.tokensPerMinute).toBe(300);
  });

  it('a failed attempt released without usage keeps its charge', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ tokensPerMinute: 1000, clock });
    (await limiter.acquire({ tokens: 400 })).release();
    expect(limiter.stats().remaining.tokensPerMinute).toBe(600);
  });

  it('reconciles input and output apart', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ inputTokensPerMinute: 1000, outputTokensPerMinute: 1000, clock });
    const lease = await limiter.acquire({ inputTokens: 200, outputTokens: 500 });
    lease.release({ inputTokens: 250, outputTokens: 100 });
    expect(limiter.stats().remaining).toEqual({ inputTokensPerMinute: 750, outputTokensPerMinute: 900 });
  });
});

describe('RateLimiter: provider state', () => {
  it("lowers the bucket to the provider's remaining budget", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 100, tokensPerMinute: 10_000, clock });
    limiter.applyProviderState({ remainingRequests: 5, remainingTokens: 1_000 });
    expect(limiter.stats().remaining).toEqual({ requestsPerMinute: 5, tokensPerMinute: 1000 });
    limiter.applyProviderState({ remainingRequests: 50 }); // no lease: never raises
    expect(limiter.stats().remaining.requestsPerMinute).toBe(5);
  });

  it("adopts a provider limit lower than the configured one", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 100, clock });
    limiter.applyProviderState({ limitRequests: 60, remainingRequests: 60 });
    expect(limiter.stats().maxRequestsPerMinute).toBe(60);
    expect(limiter.stats().remaining.requestsPerMinute).toBe(60);
  });

  it('lowers to the provider\'s figure less what is still on its way to the provider (admitted within providerDelayMs)', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ tokensPerMinute: 6000, providerDelayMs: 100, clock });
    await limiter.acquire({ tokens: 1000 });
    await clock.advanceAsync(500);
    await limiter.acquire({ tokens: 400 }); // just sent: the provider's headers cannot include it yet
    // The provider says 4000 left (it counts more than we did for the first call).
    limiter.applyProviderState({ remainingTokens: 4000 });
    expect(limiter.stats().remaining.tokensPerMinute).toBe(3600);
    // A figure above ours never raises it: reconciliation does that, a stale header cannot.
    limiter.applyProviderState({ remainingTokens: 5900 });
    expect(limiter.stats().remaining.tokensPerMinute).toBe(3600);
  });

  it('a retry-after pauses admission for every caller (one 429 must not cause a herd)', async () => {
    const clock = new ManualClock();
    const events: ResilienceEvent[] = [];
    const limiter = new RateLimiter({ name: 'anthropic', requestsPerMinute: 1000, clock });
    limiter.events.on((e) => events.push(e));
    limiter.applyProviderState({ retryAfterMs: 2000 });
    const settled = track([limiter.acquire(), limiter.acquire({ priority: 'high' })]);
    await clock.advanceAsync(1999);
    expect(settled.length).toBe(0);
    expect(limiter.stats().pausedForMs).toBe(1);
    await clock.advanceAsync(1);
    expect(settled.length).toBe(2);
    expect(events[0]).toMatchObject({ type: 'provider_pause', service: 'anthropic', retryAfterMs: 2000 });
  });

  it('one 429 reported twice (its headers, then its error) is one provider_pause event; a longer pause is another', () => {
    const clock = new ManualClock();
    const events: ResilienceEvent[] = [];
    const limiter = new RateLimiter({ name: 'openai', requestsPerMinute: 1000, clock });
    limiter.events.on((e) => events.push(e));
    limiter.applyProviderState({ retryAfterMs: 2000 });
    clock.advance(5);
    limiter.applyProviderState({ retryAfterMs: 2000 });
    expect(events.filter((e) => e.type === 'provider_pause')).toHaveLength(1);
    limiter.applyProviderState({ retryAfterMs: 10_000 });
    expect(events.filter((e) => e.type === 'provider_pause')).toHaveLength(2);
    expect(limiter.stats().pausedForMs).toBe(10_000);
  });

  it('a pause longer than maxWaitMs rejects at once as paused', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 100, clock: new ManualClock(), maxWaitMs: 1000 });
    limiter.applyProviderState({ retryAfterMs: 30_000 });
    await expect(limiter.acquire()).rejects.toMatchObject({ reason: 'paused', dimension: 'retryAfter' });
  });
});

describe('RateLimiter: stats and events', () => {
  it("has the seeds' fields", async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ name: 'openai', requestsPerMinute: 60, tokensPerMinute: 90_000, maxConcurrent: 10, clock });
    const lease = await limiter.acquire({ tokens: 1200 });
    expect(limiter.stats()).toMatchObject({
      name: 'openai',
      requestsLastMinute: 1,
      tokensLastMinute: 1200,
      concurrentRequests: 1,
      queued: 0,
      maxRequestsPerMinute: 60,
      maxTokensPerMinute: 90_000,
      maxConcurrent: 10,
      remaining: { requestsPerMinute: 59, tokensPerMinute: 88_800 },
    });
    lease.release();
    await clock.advanceAsync(61_000);
    expect(limiter.stats()).toMatchObject({ requestsLastMinute: 0, tokensLastMinute: 0 });
  });

  it('emits a wait event naming the dimension and its use', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ name: 'openai', requestsPerMinute: 60, burst: { requestsPerMinute: 1 }, clock });
    const events: ResilienceEvent[] = [];
    limiter.events.on((e) => events.push(e));
    await limiter.acquire();
    void limiter.acquire({ requestId: 'r-2' });
    expect(events).toEqual([expect.objectContaining({ type: 'rate_limit_wait', dimension: 'requestsPerMinute', used: 1, limit: 60, queued: 1, requestId: 'r-2' })]);
    await clock.advanceAsync(1000);
  });
});

describe('RateLimiter: bad input', () => {
  it.each([
    [{ requestsPerMinute: -1 }, 'rateLimit.requestsPerMinute'],
    [{ tokensPerMinute: Number.NaN }, 'rateLimit.tokensPerMinute'],
    [{ tokensPerMinute: Infinity }, 'rateLimit.tokensPerMinute'],
    [{ maxConcurrent: 0 }, 'rateLimit.maxConcurrent'],
    [{ maxConcurrent: 1.5 }, 'rateLimit.maxConcurrent'],
    [{ maxWaitMs: -5 }, 'rateLimit.maxWaitMs'],
    [{ requestsPerMinute: 10, burst: { requestsPerMinute: 0.5 } }, 'rateLimit.burst.requestsPerMinute'],
    [{ requestsPerMinut: 10 }, 'rateLimit.requestsPerMinut'],
  ])('%j throws ConfigError naming %s', (options, path) => {
    const attempt = () => new RateLimiter(options as never);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(path);
  });

  it('an unknown priority or a bad token count rejects with ConfigError', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1 });
    await expect(limiter.acquire({ priority: 'urgent' as never })).rejects.toThrow(/priority.*"urgent".*'critical', 'high', 'normal', 'low'/);
    await expect(limiter.acquire({ tokens: -3 })).rejects.toThrow(/tokens: -3/);
    await expect(limiter.acquire({ tokens: Number.NaN })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('RateLimiter: fairness of retries', () => {
  it('a retried request keeps its place ahead of newer ones (resilience4j#336)', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: { requestsPerMinute: 1 }, clock, maxWaitMs: 60_000 });
    await limiter.acquire();
    const order: string[] = [];
    void limiter.acquire().then(() => order.push('first (t=0)'));
    await clock.advanceAsync(100);
    void limiter.acquire().then(() => order.push('newer (t=100)'));
    await clock.advanceAsync(100);
    // A retry of a request that first arrived at t=50 comes back at t=200.
    void limiter.acquire({ queuedSince: 50 }).then(() => order.push('retry (first arrived t=50)'));
    await clock.advanceAsync(5000);
    expect(order).toEqual(['first (t=0)', 'retry (first arrived t=50)', 'newer (t=100)']);
  });

  it('a retry older than every waiter of its priority may go first; a newcomer may not barge', async () => {
    const clock = new ManualClock({ startMs: 1000 });
    const limiter = new RateLimiter({ tokensPerMinute: 1000, clock, maxWaitMs: 60_000 });
    await limiter.acquire({ tokens: 900 });
    void limiter.acquire({ tokens: 500 }); // waits for the refill, at the head of 'normal'
    await clock.advanceAsync(10);
    expect(limiter.tryAcquire({ tokens: 50 })).toBeNull(); // fits, but a waiter came first
    expect(limiter.tryAcquire({ tokens: 50, queuedSince: 500 })).not.toBeNull(); // first arrived before that waiter
  });
});

describe('RateLimiter: graceful shutdown', () => {
  it('close() rejects every waiter at once, clears the timer, and refuses later requests', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ name: 'openai', requestsPerMinute: 1, clock, maxWaitMs: 60_000 });
    const held = await limiter.acquire();
    const waiting = [limiter.acquire().catch((e: unknown) => e), limiter.acquire({ priority: 'high' }).catch((e: unknown) => e)];
    await clock.advanceAsync(0);
    expect(clock.pendingTimers).toBe(1);
    limiter.close();
    expect((await Promise.all(waiting)).map((e) => (e as Error).name)).toEqual(['ShutdownError', 'ShutdownError']);
    expect(clock.pendingTimers).toBe(0);
    await expect(limiter.acquire()).rejects.toMatchObject({ name: 'ShutdownError', kind: 'aborted' });
    held.release(); // a lease granted before close stays valid
    expect(limiter.stats()).toMatchObject({ queued: 0, concurrentRequests: 0 });
  });
});
