import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { runFixture } from '../run-fixture.js';
import {
  configureResilience,
  getAllRateLimitStats,
  getDefaultResilience,
  rateLimited,
} from '../../src/policy/default-registry.js';

describe("The seeds' module-level API", () => {
  afterEach(() => configureResilience({}));

  it('rateLimited(service, fn) protects every call with the service limiter and breaker', async () => {
    const clock = new ManualClock();
    configureResilience({ clock, services: { openai: { rateLimit: { requestsPerMinute: 60, tokensPerMinute: 90_000 }, retry: false } } });
    const calls: string[] = [];
    const chat = rateLimited('openai', async (prompt: string) => {
      calls.push(prompt);
      return `reply to ${prompt}`;
    }, { tokens: (prompt) => prompt.length * 100 });
    await expect(chat('hi')).resolves.toBe('reply to hi');
    await expect(chat('there')).resolves.toBe('reply to there');
    expect(calls).toEqual(['hi', 'there']);
    expect(getAllRateLimitStats().openai).toMatchObject({ requestsLastMinute: 2, tokensLastMinute: 700, maxRequestsPerMinute: 60 });
  });

  it('keeps `this` for methods, and services not configured are created with the defaults', async () => {
    const client = {
      prefix: 'xai:',
      ask: rateLimited('xai', async function (this: { prefix: string }, q: string) {
        return this.prefix + q;
      }),
    };
    await expect(client.ask('q')).resolves.toBe('xai:q');
    expect(getDefaultResilience().services).toContain('xai');
  });

  it('@RateLimited(service) decorates a method (TypeScript 5 standard decorators, compiled by esbuild in a child process)', async () => {
    const result = await runFixture('./fixtures/decorated-class.ts');
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      results: ['class of fire', 'upstream failed', 'upstream failed', 'CircuitBreakerError', 'class of fire'],
      calls: 4,
      stateWhenOpen: 'open',
      healthWhenOpen: 'unavailable',
      healthAfterReset: 'healthy',
    });
  });
});
