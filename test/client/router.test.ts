import { describe, expect, it } from 'vitest';
import { planRoute } from '../../src/client/router.js';
import { QuotaTracker } from '../../src/client/quota-tracker.js';
import { ManualClock } from '../../src/core/clock.js';
import { createResilience } from '../../src/policy/resilience.js';

function setup() {
  const clock = new ManualClock();
  const resilience = createResilience({
    clock,
    services: {
      openai: { rateLimit: { requestsPerMinute: 60 }, circuitBreaker: { failureThreshold: 1 }, retry: false },
      anthropic: { rateLimit: { requestsPerMinute: 60, burst: { requestsPerMinute: 1 } }, retry: false },
      google: { rateLimit: { requestsPerMinute: 60 }, retry: false },
      deepseek: { rateLimit: { requestsPerMinute: 60 }, retry: false },
    },
  });
  return { clock, resilience, quota: new QuotaTracker(clock, 60_000) };
}

const c = (provider: 'openai' | 'anthropic' | 'google' | 'deepseek') => ({ provider, model: `${provider}-model` });

describe('planRoute', () => {
  it('keeps the preferred provider first, then fallbacks by soonest admission, stable among equals', async () => {
    const { resilience, quota } = setup();
    await resilience.execute('anthropic', async () => 1); // anthropic's one-request bucket is now empty
    const plan = planRoute(c('openai'), [c('anthropic'), c('google'), c('deepseek')], resilience, quota, () => ({}));
    expect(plan.candidates.map((x) => x.provider)).toEqual(['openai', 'google', 'deepseek', 'anthropic']);
    expect(plan.skipped).toEqual([]);
  });

  it('skips an open circuit and an exhausted quota, with the reason kept; they come back later', async () => {
    const { clock, resilience, quota } = setup();
    await resilience.execute('openai', () => Promise.reject(Object.assign(new Error('down'), { status: 503 }))).catch(() => undefined);
    quota.markExhausted('google');
    const plan = planRoute(c('openai'), [c('google'), c('deepseek')], resilience, quota, () => ({}));
    expect(plan.candidates.map((x) => x.provider)).toEqual(['deepseek']);
    expect(plan.skipped.map((s) => [s.provider, (s.error as Error).name])).toEqual([
      ['openai', 'CircuitBreakerError'],
      ['google', 'QuotaExceededError'],
    ]);
    await clock.advanceAsync(60_000);
    const later = planRoute(c('openai'), [c('google'), c('deepseek')], resilience, quota, () => ({}));
    expect(later.candidates.map((x) => x.provider)).toEqual(['openai', 'google', 'deepseek']);
  });

  it('a provider paused by a retry-after longer than a request may wait (a day, capped at a minute) is skipped like a quota problem, and comes back', async () => {
    const { clock, resilience, quota } = setup();
    const paused = resilience.pipeline('openai').limiter!.applyProviderState({ retryAfterMs: 86_400_000 });
    expect(paused).toBe(60_000);
    const plan = planRoute(c('openai'), [c('google')], resilience, quota, () => ({}));
    expect(plan.candidates.map((x) => x.provider)).toEqual(['google']);
    expect(plan.skipped.map((s) => [s.provider, (s.error as Error).name, (s.error as { reason?: string }).reason])).toEqual([['openai', 'RateLimitExceededError', 'paused']]);
    await clock.advanceAsync(60_000);
    expect(planRoute(c('openai'), [c('google')], resilience, quota, () => ({})).candidates.map((x) => x.provider)).toEqual(['openai', 'google']);
  });
});
