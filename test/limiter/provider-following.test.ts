/**
 * What the provider's headers do to the limiter (issue 11): limits adopted, learned or capped by
 * the configured ones; nonsense figures ignored; the careful start; retry-after pauses capped and
 * cleared. Each test is named after what it pins.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RateLimitExceededError } from '../../src/core/errors.js';
import type { ResilienceEvent } from '../../src/core/events.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import { createResilience } from '../../src/policy/resilience.js';
import { parseOpenAIRateLimitHeaders } from '../../src/providers/rate-limit-headers.js';

describe('limits from the provider', () => {
  it('a limiter told nothing adopts the limits the headers name (learned, per dimension)', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ clock });
    limiter.applyProviderState({ limitRequests: 500, remainingRequests: 490, limitTokens: 30_000, remainingTokens: 29_000 });
    const stats = limiter.stats();
    expect(stats.maxRequestsPerMinute).toBe(500);
    expect(stats.maxTokensPerMinute).toBe(30_000);
    expect(stats.limitSources).toEqual({ requestsPerMinute: 'provider', tokensPerMinute: 'provider' });
    expect(stats.remaining).toEqual({ requestsPerMinute: 490, tokensPerMinute: 29_000 });
    // Enforced from now on: 29 000 tokens fit, 29 001 do not.
    expect(limiter.tryAcquire({ tokens: 29_001 })).toBeNull();
    expect(limiter.tryAcquire({ tokens: 29_000 })).not.toBeNull();
  });

  it('a limit learned from a response starts at its remaining to the last unit: 10 RPM with 9 left admits 9, not 10 (the request that taught it was admitted before the limit existed)', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ clock });
    const lease = limiter.tryAcquire({ tokens: 30 })!;
    limiter.applyProviderState({ limitRequests: 10, remainingRequests: 9, limitTokens: 100_000, remainingTokens: 99_970 }, lease);
    lease.release();
    expect(limiter.stats().remaining).toEqual({ requestsPerMinute: 9, tokensPerMinute: 99_970 });
    let admitted = 0;
    while (limiter.tryAcquire() !== null && admitted < 100) admitted++;
    expect(admitted).toBe(9);
  });

  it('the request that taught a limit gets no refund on top of its figure, also when the figure is a full bucket (the at-response property refusal, seed 543845755)', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ clock });
    const lease = limiter.tryAcquire({ tokens: 87, inputTokens: 86, outputTokens: 1 })!;
    clock.advance(3_000); // a long call: the provider's bucket is full again when the figure is taken
    limiter.applyProviderState({ limitTokens: 6_000, remainingTokens: 6_000 }, lease);
    const next = limiter.tryAcquire({ tokens: 1_000 })!;
    // The provider counted 69 tokens for it: the figure holds that already, so no 18 come back.
    lease.release({ tokens: 69, inputTokens: 68, outputTokens: 1 });
    expect(limiter.stats().remaining.tokensPerMinute).toBe(5_000);
    next.release();
  });

  it('a configured limit is a ceiling: the headers lower it and raise it back, never above', () => {
    const limiter = new RateLimiter({ clock: new ManualClock(), tokensPerMinute: 40_000 });
    limiter.applyProviderState({ limitTokens: 30_000 });
    expect(limiter.stats().maxTokensPerMinute).toBe(30_000);
    limiter.applyProviderState({ limitTokens: 90_000 });
    expect(limiter.stats().maxTokensPerMinute).toBe(40_000);
    expect(limiter.stats().limitSources.tokensPerMinute).toBe('configured');
  });

  it('an initial (built-in) limit is replaced by the header, up as well as down: the default 60 RPM no longer caps a 600 RPM key', () => {
    const limiter = new RateLimiter({ clock: new ManualClock(), initialLimits: { requestsPerMinute: 60 } });
    // Headers seen once: from then on each lease knows what the provider's figure may lack.
    limiter.applyProviderState({ remainingRequests: 60 });
    const lease = limiter.tryAcquire()!;
    limiter.applyProviderState({ limitRequests: 600, remainingRequests: 599 }, lease);
    lease.release();
    expect(limiter.stats().maxRequestsPerMinute).toBe(600);
    expect(limiter.stats().limitSources.requestsPerMinute).toBe('provider');
    let admitted = 0;
    while (limiter.tryAcquire() !== null && admitted < 1000) admitted++;
    expect(admitted).toBe(599);
  });

  it("Anthropic's combined tokens-* figure is not taken for a bucket of its own when input and output limits are named", () => {
    const limiter = new RateLimiter({ clock: new ManualClock() });
    limiter.applyProviderState({ limitTokens: 8_000, remainingTokens: 8_000, limitInputTokens: 30_000, remainingInputTokens: 30_000, limitOutputTokens: 8_000, remainingOutputTokens: 8_000 });
    const stats = limiter.stats();
    expect(stats.maxTokensPerMinute).toBeNull();
    expect(stats.maxInputTokensPerMinute).toBe(30_000);
    expect(stats.maxOutputTokensPerMinute).toBe(8_000);
  });

  it("a learned bucket's capacity follows the provider's reset: remaining + the refill until full (a bucket of 6 s, not a minute)", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ clock });
    limiter.applyProviderState(parseOpenAIRateLimitHeaders({ 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '1000', 'x-ratelimit-reset-tokens': '5s' }, clock.wallTime()));
    expect(limiter.stats().remaining.tokensPerMinute).toBe(1000);
    // Idle for a minute: our view refills to the provider's 6 000, not to a minute's 60 000.
    clock.advance(60_000);
    expect(limiter.stats().remaining.tokensPerMinute).toBe(6000);
    expect(limiter.tryAcquire({ tokens: 6001 })).toBeNull();
    // A configured limit's burst is the user's: the reset does not change it.
    const configured = new RateLimiter({ clock, tokensPerMinute: 60_000 });
    configured.applyProviderState({ limitTokens: 60_000, remainingTokens: 1000, resetTokensMs: 5000 });
    clock.advance(60_000);
    expect(configured.stats().remaining.tokensPerMinute).toBe(60_000);
  });

  it('learnLimits: false keeps to the configured dimensions', () => {
    const limiter = new RateLimiter({ clock: new ManualClock(), requestsPerMinute: 100, learnLimits: false });
    limiter.applyProviderState({ limitTokens: 30_000, remainingTokens: 10 });
    expect(limiter.stats().maxTokensPerMinute).toBeNull();
  });

  it('headers with nonsense values (-1, abc, 1e309, empty) change nothing', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ clock, requestsPerMinute: 100, tokensPerMinute: 10_000 });
    const before = limiter.stats();
    for (const value of ['-1', 'abc', '1e309', '', '12abc', 'Infinity', 'NaN']) {
      limiter.applyProviderState(
        parseOpenAIRateLimitHeaders(
          { 'x-ratelimit-limit-requests': value, 'x-ratelimit-remaining-requests': value, 'x-ratelimit-limit-tokens': value, 'x-ratelimit-remaining-tokens': value, 'x-ratelimit-reset-tokens': value },
          clock.wallTime(),
        ),
      );
    }
    // Values the parser lets through but that are nonsense as limits.
    limiter.applyProviderState({ limitRequests: 0, limitTokens: Infinity, remainingTokens: Number.NaN, remainingRequests: -5 });
    limiter.applyProviderState({ limitTokens: Number("1e309"), remainingTokens: Number.MAX_VALUE });
    const after = limiter.stats();
    expect(after.maxRequestsPerMinute).toBe(before.maxRequestsPerMinute);
    expect(after.maxTokensPerMinute).toBe(before.maxTokensPerMinute);
    expect(after.remaining).toEqual(before.remaining);
  });

  it('a limit learned from a header never exceeds a configured limit', () => {
    const limiter = new RateLimiter({ clock: new ManualClock(), requestsPerMinute: 50 });
    limiter.applyProviderState({ limitRequests: 1e11, remainingRequests: 1e11 });
    expect(limiter.stats().maxRequestsPerMinute).toBe(50);
    expect(limiter.stats().remaining.requestsPerMinute).toBe(50);
  });
});

describe('the remaining figure corrects our view', () => {
  it('a view above both readings falls to the lower one: a figure taken as the response left, after a long call, is not overrun', () => {
    // 6 000 TPM, told exactly; our request of 100 tokens took 4 s, and another client on the key
    // spent most of the bucket meanwhile: the provider says 1 000 remain. Taken as the response
    // left, 1 000 is all there is; taken when the provider admitted the request, 4 s of refill
    // (390 tokens beyond the provider delay) would be owed on top. Which one is unknown: falling to
    // the higher reading (1 390) admitted 390 tokens the provider refuses if the figure was fresh.
    const clock = new ManualClock();
    const limiter = new RateLimiter({ clock, tokensPerMinute: 6000, providerDelayMs: 100 });
    limiter.applyProviderState({ limitTokens: 6000, remainingTokens: 6000 });
    const lease = limiter.tryAcquire({ tokens: 100 })!;
    clock.advance(4000);
    limiter.applyProviderState({ limitTokens: 6000, remainingTokens: 1000 }, lease);
    lease.release();
    expect(limiter.stats().remaining.tokensPerMinute).toBeLessThanOrEqual(1000);
    expect(limiter.tryAcquire({ tokens: 1001 })).toBeNull();
  });
});

describe('the careful start', () => {
  it('until the first response, initialConcurrency requests at a time; then the learned limits', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ clock, initialConcurrency: 1, maxWaitMs: 10_000 });
    const first = limiter.tryAcquire();
    expect(first).not.toBeNull();
    expect(limiter.tryAcquire()).toBeNull();
    expect(limiter.stats().carefulConcurrency).toBe(1);
    const waiting = [limiter.acquire(), limiter.acquire(), limiter.acquire()];
    limiter.applyProviderState({ limitRequests: 600, remainingRequests: 599 }, first!);
    first!.release();
    const leases = await Promise.all(waiting);
    expect(leases).toHaveLength(3);
    expect(limiter.stats().carefulConcurrency).toBeUndefined();
    for (const lease of leases) lease.release();
    expect(limiter.stats().concurrentRequests).toBe(0);
  });

  it('the first figure is read against the careful requests admitted after its own (it was taken when the provider admitted the first: two 429s on limits told 50 % high)', async () => {
    const clock = new ManualClock();
    // Told 50 % high; the provider's bucket holds 6 000 tokens.
    const limiter = new RateLimiter({ clock, tokensPerMinute: 9_000 });
    limiter.startCarefully(4);
    const leases = [];
    for (let i = 0; i < 4; i++) leases.push(await limiter.acquire({ tokens: 405, inputTokens: 5, outputTokens: 400 }));
    await clock.advanceAsync(250);
    // The first one's figure: the provider had counted it alone.
    limiter.applyProviderState({ limitTokens: 6_000, remainingTokens: 6_000 - 405 }, leases[0]);
    // The other three were on their way: what remains is at most 6 000 - 4 x 405 + 250 ms of refill.
    expect(limiter.stats().remaining.tokensPerMinute).toBeLessThanOrEqual(6_000 - 4 * 405 + 25);
    for (const lease of leases) lease.release();
  });

  it('a response without rate-limit headers ends the careful phase too (providers that send none)', () => {
    const limiter = new RateLimiter({ clock: new ManualClock(), initialConcurrency: 1, initialLimits: { requestsPerMinute: 60 } });
    const lease = limiter.tryAcquire();
    limiter.applyProviderState({}, lease!);
    expect(limiter.tryAcquire()).not.toBeNull();
    expect(limiter.stats().maxRequestsPerMinute).toBe(60);
  });
});

describe('pauses are capped and can be cleared', () => {
  it('retry-after: 86400 pauses for maxPauseMs (60 s), and says it asked for more', () => {
    const clock = new ManualClock();
    const events: ResilienceEvent[] = [];
    const limiter = new RateLimiter({ clock, requestsPerMinute: 100 });
    limiter.events.on((event) => events.push(event));
    expect(limiter.applyProviderState({ retryAfterMs: 86_400_000 })).toBe(60_000);
    expect(limiter.stats().pausedForMs).toBe(60_000);
    expect(events).toContainEqual(expect.objectContaining({ type: 'provider_pause', retryAfterMs: 60_000, requestedMs: 86_400_000 }));
    clock.advance(60_000);
    expect(limiter.tryAcquire()).not.toBeNull();
  });

  it('an HTTP date in 2100 is capped the same way; one in the past pauses nothing', () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ clock, requestsPerMinute: 100, maxPauseMs: 30_000 });
    limiter.applyProviderState(parseOpenAIRateLimitHeaders({ 'retry-after': 'Fri, 01 Jan 2100 00:00:00 GMT' }, clock.wallTime()));
    expect(limiter.stats().pausedForMs).toBe(30_000);
    const other = new RateLimiter({ clock, requestsPerMinute: 100 });
    other.applyProviderState(parseOpenAIRateLimitHeaders({ 'retry-after': 'Thu, 01 Jan 2015 00:00:00 GMT' }, clock.wallTime()));
    expect(other.stats().pausedForMs).toBe(0);
  });

  it('resetCircuitBreaker and resetRateLimiter end a pause at once, and waiters are admitted', async () => {
    const clock = new ManualClock();
    const resilience = createResilience({ clock, services: { openai: { rateLimit: { requestsPerMinute: 100, maxWaitMs: 120_000 } } } });
    const limiter = resilience.pipeline('openai').limiter!;
    limiter.applyProviderState({ retryAfterMs: 50_000 });
    const waiting = limiter.acquire();
    resilience.resetRateLimiter('openai');
    expect(limiter.stats().pausedForMs).toBe(0);
    await expect(waiting).resolves.toBeDefined();
    limiter.applyProviderState({ retryAfterMs: 50_000 });
    resilience.resetCircuitBreaker('openai');
    expect(limiter.stats().pausedForMs).toBe(0);
  });

  it('a request that cannot wait out the (capped) pause is refused at once, naming the pause', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ clock, requestsPerMinute: 100, maxWaitMs: 1_000 });
    limiter.applyProviderState({ retryAfterMs: 3_600_000 });
    const error = await limiter.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect((error as RateLimitExceededError).dimension).toBe('retryAfter');
  });
});

describe("a response's own request is not travelling", () => {
  it('its figure holds it: admitted within the provider delay, it is not subtracted again (the first response of a fast call kept the view 1 000 output tokens low)', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ clock, outputTokensPerMinute: 8_000, providerDelayMs: 100 });
    const lease = await limiter.acquire({ tokens: 1_010, inputTokens: 10, outputTokens: 1_000 });
    await clock.advanceAsync(30); // served within the delay
    // Anthropic's figure, taken at admission: max_tokens reserved.
    const before = limiter.stats().remaining.outputTokensPerMinute!;
    limiter.applyProviderState({ limitOutputTokens: 8_000, remainingOutputTokens: before }, lease);
    expect(limiter.stats().remaining.outputTokensPerMinute).toBe(before);
    // Another request admitted within the delay is still travelling: the same figure lowers by it.
    const other = await limiter.acquire({ tokens: 510, inputTokens: 10, outputTokens: 500 });
    limiter.applyProviderState({ limitOutputTokens: 8_000, remainingOutputTokens: before }, lease);
    expect(limiter.stats().remaining.outputTokensPerMinute).toBe(before - 500);
    other.release();
    lease.release({ inputTokens: 10, outputTokens: 40 }); // unused output given back
    expect(limiter.stats().remaining.outputTokensPerMinute).toBe(before - 500 + 960);
  });
});
