/**
 * `rateLimit.perModel`: one RateLimiter per model in a service's pipeline, picked by the call's
 * `model`, bounded in number, and visible in stats, events, health and the reset calls.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError, ProviderError } from '../../src/core/errors.js';
import type { ResilienceEvent } from '../../src/core/events.js';
import { formatEvent } from '../../src/core/logger.js';
import { limiterOwner, MAX_MODEL_LIMITERS } from '../../src/policy/model-limiters.js';
import { createResilience } from '../../src/policy/resilience.js';

const ok = () => 'ok';

function perModelService(clock: ManualClock, scope: { perModel?: boolean } = { perModel: true }) {
  const resilience = createResilience({ clock, services: { llm: { rateLimit: { requestsPerMinute: 2, maxWaitMs: 120_000, ...scope }, circuitBreaker: false, retry: false } } });
  const events: ResilienceEvent[] = [];
  resilience.events.on((event) => events.push(event));
  return { resilience, events };
}

describe('rateLimit.perModel: one limiter per model', () => {
  it("each model draws on its own limiter, named '<service>/<model>', with the service's options; a call naming no model uses the service's own", async () => {
    const clock = new ManualClock();
    const { resilience } = perModelService(clock);
    for (const model of ['a', 'a', 'b', 'b']) await resilience.execute('llm', ok, { model });
    // Both models spent their two requests: a third of either would wait; the service's own limiter is untouched.
    await resilience.execute('llm', ok);
    const stats = resilience.getStats().rateLimiters;
    expect(Object.keys(stats)).toEqual(['llm', 'llm/a', 'llm/b']);
    expect(stats['llm/a']).toMatchObject({ name: 'llm/a', model: 'a', admitted: 2, maxRequestsPerMinute: 2 });
    expect(stats['llm/b']).toMatchObject({ name: 'llm/b', model: 'b', admitted: 2, maxRequestsPerMinute: 2 });
    expect(stats.llm).toMatchObject({ name: 'llm', admitted: 1 });
    expect(stats.llm!.model).toBeUndefined();
    expect(limiterOwner('llm/a', stats['llm/a']!)).toEqual({ service: 'llm', model: 'a' });
    expect(limiterOwner('llm', stats.llm!)).toEqual({ service: 'llm' });
    expect(resilience.getStats().services.llm).toMatchObject({ requests: 5, succeeded: 5 });
  });

  it('without perModel (the default of createResilience), every model shares the service limiter', async () => {
    const clock = new ManualClock();
    const { resilience } = perModelService(clock, {});
    await resilience.execute('llm', ok, { model: 'a' });
    await resilience.execute('llm', ok, { model: 'b' });
    expect(Object.keys(resilience.getStats().rateLimiters)).toEqual(['llm']);
    expect(resilience.getStats().rateLimiters.llm!.admitted).toBe(2);
  });

  it('one model spending its limit does not hold another: the other is admitted at once while the first waits', async () => {
    const clock = new ManualClock();
    const { resilience } = perModelService(clock);
    await resilience.execute('llm', ok, { model: 'a' });
    await resilience.execute('llm', ok, { model: 'a' });
    let waitingDone = false;
    const waiting = resilience.execute('llm', ok, { model: 'a' }).then(() => (waitingDone = true));
    expect(resilience.getStats().rateLimiters['llm/a']!.queued).toBe(1);
    // No time passes: b is admitted at once.
    await expect(resilience.execute('llm', ok, { model: 'b' })).resolves.toBe('ok');
    expect(waitingDone).toBe(false);
    await clock.advanceAsync(30_000);
    await waiting;
    expect(waitingDone).toBe(true);
  });

  it(`the number of model limiters is bounded (${MAX_MODEL_LIMITERS}): later models use the service's own, and one warning says so`, async () => {
    const clock = new ManualClock();
    const { resilience, events } = perModelService(clock);
    for (let i = 0; i < MAX_MODEL_LIMITERS; i++) await resilience.execute('llm', ok, { model: `m${i}` });
    expect(Object.keys(resilience.getStats().rateLimiters)).toHaveLength(1 + MAX_MODEL_LIMITERS);
    expect(events.filter((e) => e.type === 'model_limiters_full')).toEqual([]);

    await resilience.execute('llm', ok, { model: 'typo-1' });
    await resilience.execute('llm', ok, { model: 'typo-2' });
    // A model that has its limiter keeps it.
    await resilience.execute('llm', ok, { model: 'm0' });
    const stats = resilience.getStats().rateLimiters;
    expect(Object.keys(stats)).toHaveLength(1 + MAX_MODEL_LIMITERS);
    expect(stats['llm/typo-1']).toBeUndefined();
    expect(stats.llm!.admitted).toBe(2);
    expect(stats['llm/m0']!.admitted).toBe(2);
    const warnings = events.filter((e) => e.type === 'model_limiters_full');
    expect(warnings).toEqual([{ type: 'model_limiters_full', service: 'llm', at: clock.wallTime(), model: 'typo-1', maxModelLimiters: MAX_MODEL_LIMITERS }]);
    expect(formatEvent(warnings[0]!)).toEqual({ level: 'warn', message: `⚠️ 'llm' keeps rate limiters for at most ${MAX_MODEL_LIMITERS} models: 'typo-1' and any later new model share the service's own limiter` });
  });

  it("a 429 pauses only its model's limiter; health names it; resetRateLimiter and resetCircuitBreaker clear every model's pause", async () => {
    const clock = new ManualClock();
    const resilience = createResilience({
      clock,
      services: { llm: { rateLimit: { requestsPerMinute: 600, perModel: true }, circuitBreaker: false, retry: { maxRetries: 0 } } },
    });
    const events: ResilienceEvent[] = [];
    resilience.events.on((event) => events.push(event));
    const tooMany = () => {
      throw new ProviderError('openai', 'rate_limited', 'Rate limit reached', 429, 30_000);
    };
    for (const model of ['a', 'b']) await expect(resilience.execute('llm', tooMany, { model })).rejects.toThrow(/Rate limit reached/);
    const pauses = events.filter((e) => e.type === 'provider_pause');
    expect(pauses.map((e) => [e.service, e.model])).toEqual([
      ['llm/a', 'a'],
      ['llm/b', 'b'],
    ]);
    let stats = resilience.getStats().rateLimiters;
    expect([stats.llm!.pausedForMs, stats['llm/a']!.pausedForMs > 0, stats['llm/b']!.pausedForMs > 0]).toEqual([0, true, true]);
    expect(resilience.getHealthStatus().issues).toEqual([
      "Rate limiter 'llm/a' paused by the provider for 30 s (retry-after)",
      "Rate limiter 'llm/b' paused by the provider for 30 s (retry-after)",
    ]);

    resilience.resetRateLimiter('llm');
    stats = resilience.getStats().rateLimiters;
    expect([stats['llm/a']!.pausedForMs, stats['llm/b']!.pausedForMs]).toEqual([0, 0]);
    expect(resilience.getHealthStatus().status).toBe('healthy');

    await expect(resilience.execute('llm', tooMany, { model: 'a' })).rejects.toThrow(/Rate limit reached/);
    expect(resilience.getStats().rateLimiters['llm/a']!.pausedForMs).toBeGreaterThan(0);
    resilience.resetCircuitBreaker('llm');
    expect(resilience.getStats().rateLimiters['llm/a']!.pausedForMs).toBe(0);
  });

  it('health adds up the queues of every model; close() ends the waits on every model limiter', async () => {
    const clock = new ManualClock();
    const { resilience } = perModelService(clock);
    for (const model of ['a', 'a', 'b', 'b']) await resilience.execute('llm', ok, { model });
    const waits = ['a', 'b', 'b'].map((model) => resilience.execute('llm', ok, { model }).catch((error: unknown) => error));
    expect(resilience.getHealthStatus().services.llm!.queued).toBe(3);
    resilience.close();
    for (const error of await Promise.all(waits)) expect((error as Error).name).toBe('ShutdownError');
  });

  it('perModel is validated like the other options: true or false', () => {
    expect(() => createResilience({ services: { llm: { rateLimit: { perModel: 'yes' as unknown as boolean } } } })).toThrow(ConfigError);
    expect(() => createResilience({ services: { llm: { rateLimit: { perModel: 'yes' as unknown as boolean } } } })).toThrow('Invalid services.llm.rateLimit.perModel: "yes" (expected true or false)');
  });
});
