import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import {
  AttemptTimeoutError,
  CircuitBreakerError,
  ConfigError,
  QuotaExceededError,
  RateLimitExceededError,
  RetryExhaustedError,
} from '../../src/core/errors.js';
import type { ResilienceEvent } from '../../src/core/events.js';
import { createResilience } from '../../src/policy/resilience.js';

const httpError = (status: number, extra: Record<string, unknown> = {}) => Object.assign(new Error(`HTTP ${status}`), { status, ...extra });
/** No jitter and no budget, so delays are exact. */
const exactRetry = { jitter: 'none' as const, budget: false as const };

function setup(services: NonNullable<Parameters<typeof createResilience>[0]>['services']) {
  const clock = new ManualClock();
  const resilience = createResilience({ services, clock });
  const events: ResilienceEvent[] = [];
  resilience.events.on((e) => events.push(e));
  return { clock, resilience, events };
}

describe('Pipeline: retry -> breaker -> limiter -> timeout -> call', () => {
  it('returns the result of a call that succeeds, once', async () => {
    const { resilience } = setup({ openai: {} });
    const fn = vi.fn(async () => 'ok');
    await expect(resilience.execute('openai', fn)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(resilience.getStats().services.openai).toMatchObject({ requests: 1, succeeded: 1, attempts: 1, retries: 0 });
  });

  it('retries server errors with exponential backoff, then gives up with every cause', async () => {
    const { clock, resilience, events } = setup({ openai: { retry: { ...exactRetry, maxRetries: 3 } } });
    const calledAt: number[] = [];
    const result = resilience.execute('openai', async () => {
      calledAt.push(clock.now());
      throw httpError(503);
    });
    const caught = result.catch((e: unknown) => e);
    await clock.advanceAsync(10_000);
    const error = (await caught) as RetryExhaustedError;
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error.attempts.map((a) => a.kind)).toEqual(['server_error', 'server_error', 'server_error', 'server_error']);
    expect(error.reason).toBe('max_retries');
    expect(calledAt).toEqual([0, 1000, 3000, 7000]);
    expect(events.filter((e) => e.type === 'retry_scheduled').map((e) => (e as { delayMs: number }).delayMs)).toEqual([1000, 2000, 4000]);
  });

  it("honours each response's own retry-after, and a 429 pauses the whole service", async () => {
    const { clock, resilience } = setup({ anthropic: { retry: exactRetry, rateLimit: { requestsPerMinute: 1000 }, circuitBreaker: false } });
    let calls = 0;
    const first = resilience.execute('anthropic', async () => {
      calls++;
      if (calls === 1) throw httpError(429, { headers: { 'retry-after': '3' } });
      return 'done';
    });
    await clock.advanceAsync(0);
    // Another caller of the same service is held by the pause, not sent into another 429.
    const other = vi.fn(async () => 'other');
    const second = resilience.execute('anthropic', other);
    await clock.advanceAsync(2999);
    expect(other).not.toHaveBeenCalled();
    await clock.advanceAsync(1);
    await expect(first).resolves.toBe('done');
    await expect(second).resolves.toBe('other');
  });

  it('a quota error is tried once, never retried, and thrown as is (langchainjs#1929)', async () => {
    const { clock, resilience } = setup({ openai: { retry: exactRetry } });
    const fn = vi.fn(async () => {
      throw httpError(429, { code: 'insufficient_quota', error: { type: 'insufficient_quota', message: 'You exceeded your current quota' } });
    });
    const caught = resilience.execute('openai', fn).catch((e: unknown) => e);
    await clock.advanceAsync(60_000);
    expect(await caught).toMatchObject({ status: 429, code: 'insufficient_quota' });
    expect(fn).toHaveBeenCalledTimes(1);
    const typed = resilience.execute('openai', async () => {
      throw new QuotaExceededError('openai', 'credit balance is too low');
    });
    await expect(typed).rejects.toBeInstanceOf(QuotaExceededError);
  });

  it('client errors are not retried and never count against the provider (litellm#41223, #5225)', async () => {
    const { resilience } = setup({ openai: { retry: exactRetry, circuitBreaker: { failureThreshold: 2 } } });
    for (const status of [400, 401, 403, 404, 422]) {
      await expect(resilience.execute('openai', async () => Promise.reject(httpError(status)))).rejects.toMatchObject({ status });
    }
    await expect(resilience.execute('openai', async () => Promise.reject(httpError(400, { code: 'content_filter' })))).rejects.toMatchObject({ status: 400 });
    expect(resilience.getStats().circuitBreakers.openai!.state).toBe('closed');
    expect(resilience.getStats().services.openai!.attempts).toBe(6);
  });

  it('an open circuit fails fast without calling the function or touching the limiter', async () => {
    const { clock, resilience, events } = setup({
      openai: { retry: false, circuitBreaker: { failureThreshold: 5, openMs: 60_000 }, rateLimit: { requestsPerMinute: 100 } },
    });
    for (let i = 0; i < 5; i++) await expect(resilience.execute('openai', () => Promise.reject(httpError(500)))).rejects.toMatchObject({ status: 500 });
    const remainingBefore = resilience.getStats().rateLimiters.openai!.remaining.requestsPerMinute;
    const fn = vi.fn(async () => 'never');
    const error = (await resilience.execute('openai', fn).catch((e: unknown) => e)) as CircuitBreakerError;
    expect(error).toBeInstanceOf(CircuitBreakerError);
    expect(error.retryAfterMs).toBe(60_000);
    expect(fn).not.toHaveBeenCalled();
    expect(resilience.getStats().rateLimiters.openai!.remaining.requestsPerMinute).toBe(remainingBefore);
    expect(events.some((e) => e.type === 'breaker_state_change' && e.to === 'open')).toBe(true);
    // After openMs, probes go through and two successes close it.
    await clock.advanceAsync(60_000);
    await resilience.execute('openai', async () => 'a');
    await resilience.execute('openai', async () => 'b');
    expect(resilience.getStats().circuitBreakers.openai!.state).toBe('closed');
  });

  it('a limiter rejection returns the half-open probe permit and does not count as a failure', async () => {
    const { clock, resilience } = setup({
      openai: { retry: false, circuitBreaker: { failureThreshold: 1, openMs: 1000, halfOpenMaxCalls: 1 }, rateLimit: { maxConcurrent: 1, maxWaitMs: 100 } },
    });
    await expect(resilience.execute('openai', () => Promise.reject(httpError(500)))).rejects.toBeDefined();
    await clock.advanceAsync(1000);
    // Hold the only concurrency slot with a critical call (bypasses the breaker's probe count? no: it takes the probe).
    let release!: () => void;
    const held = resilience.execute('openai', () => new Promise<string>((r) => (release = () => r('held'))), { priority: 'critical' });
    await clock.advanceAsync(0);
    release();
    await held;
    expect(resilience.getStats().circuitBreakers.openai!.state).toBe('half_open');
  });

  it('times out a slow attempt, counts it for the breaker, and retries it', async () => {
    const { clock, resilience } = setup({ openai: { timeoutMs: 5000, retry: { ...exactRetry, maxRetries: 1 } } });
    const signals: AbortSignal[] = [];
    const caught = resilience
      .execute('openai', ({ signal }) => {
        signals.push(signal!);
        return new Promise(() => undefined); // hangs and ignores its signal
      })
      .catch((e: unknown) => e);
    await clock.advanceAsync(5000 + 1000 + 5000);
    const error = (await caught) as RetryExhaustedError;
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error.attempts.map((a) => a.error)).toEqual([expect.any(AttemptTimeoutError), expect.any(AttemptTimeoutError)]);
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(resilience.getStats().circuitBreakers.openai!.totalFailures).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('an abort during backoff ends the call at once (openai-node#2580)', async () => {
    const { clock, resilience } = setup({ openai: { retry: exactRetry } });
    const controller = new AbortController();
    const caught = resilience.execute('openai', () => Promise.reject(httpError(503)), { signal: controller.signal }).catch((e: unknown) => e);
    await clock.advanceAsync(10);
    controller.abort(new Error('user cancelled'));
    expect(await caught).toEqual(new Error('user cancelled'));
    expect(clock.pendingTimers).toBe(0);
  });

  it('an abort in flight ends the call at once even if the function ignores its signal, and does not count for the breaker', async () => {
    const { clock, resilience } = setup({ openai: { circuitBreaker: { failureThreshold: 1 } } });
    const controller = new AbortController();
    const caught = resilience.execute('openai', () => new Promise(() => undefined), { signal: controller.signal }).catch((e: unknown) => e);
    await clock.advanceAsync(10);
    controller.abort();
    expect(await caught).toMatchObject({ name: 'AbortError' });
    expect(resilience.getStats().circuitBreakers.openai!.state).toBe('closed');
  });

  it('aborting one call leaves the others running (opossum#780)', async () => {
    const { clock, resilience } = setup({ openai: { timeoutMs: 10_000 } });
    const controllers = [new AbortController(), new AbortController()];
    const signals: AbortSignal[] = [];
    const calls = controllers.map((c) =>
      resilience.execute('openai', ({ signal }) => new Promise((resolve) => { signals.push(signal!); setTimeoutOn(clock, () => resolve('done'), 100); }), { signal: c.signal }).catch((e: unknown) => e),
    );
    await clock.advanceAsync(10);
    controllers[0]!.abort();
    await clock.advanceAsync(100);
    expect(await calls[0]).toMatchObject({ name: 'AbortError' });
    expect(await calls[1]).toBe('done');
    expect(signals[1]!.aborted).toBe(false);
  });

  it('the deadline stops retries that could not finish in time', async () => {
    const { clock, resilience } = setup({ openai: { retry: { ...exactRetry, maxRetries: 5 } } });
    const caught = resilience.execute('openai', () => Promise.reject(httpError(502)), { deadlineMs: 2500 }).catch((e: unknown) => e);
    await clock.advanceAsync(5000);
    const error = (await caught) as RetryExhaustedError;
    expect(error.reason).toBe('deadline');
    expect(error.attempts).toHaveLength(2); // at 0 and 1000; the next retry (2000 ms later) would end past 2500
  });

  it('reconciles usage from the result or from the context', async () => {
    const { resilience } = setup({ openai: { rateLimit: { tokensPerMinute: 10_000 } } });
    await resilience.execute('openai', async () => ({ usage: 300 }), { tokens: 1000, usage: (r) => ({ tokens: r.usage }) });
    expect(resilience.getStats().rateLimiters.openai!.remaining.tokensPerMinute).toBe(9700);
    await resilience.execute('openai', async (ctx) => ctx.reportUsage({ tokens: 200 }), { tokens: 1000 });
    expect(resilience.getStats().rateLimiters.openai!.remaining.tokensPerMinute).toBe(9500);
  });

  it("the provider's headers correct the limiter through the context", async () => {
    const { resilience } = setup({ openai: { rateLimit: { requestsPerMinute: 500 } } });
    await resilience.execute('openai', async (ctx) => ctx.reportProviderState({ remainingRequests: 10, limitRequests: 60 }));
    expect(resilience.getStats().rateLimiters.openai).toMatchObject({ maxRequestsPerMinute: 60 });
    expect(resilience.getStats().rateLimiters.openai!.remaining.requestsPerMinute).toBeLessThanOrEqual(10);
  });

  it('a limiter that cannot admit in time rejects with RateLimitExceededError, not retried', async () => {
    const { resilience } = setup({ openai: { rateLimit: { requestsPerMinute: 1, maxWaitMs: 1000 } } });
    await resilience.execute('openai', async () => 1);
    const fn = vi.fn(async () => 2);
    await expect(resilience.execute('openai', fn)).rejects.toBeInstanceOf(RateLimitExceededError);
    expect(fn).not.toHaveBeenCalled();
    expect(resilience.getStats().services.openai).toMatchObject({ rejectedByLimiter: 1, failuresByKind: { limiter_rejected: 1 } });
  });
});

describe('Graceful shutdown', () => {
  it('close() rejects calls waiting in a limiter and refuses new ones, while a running call finishes', async () => {
    const { clock, resilience } = setup({ openai: { rateLimit: { maxConcurrent: 1 }, retry: false } });
    let finish!: (v: string) => void;
    const running = resilience.execute('openai', () => new Promise<string>((r) => (finish = r)));
    await clock.advanceAsync(0);
    const waiting = resilience.execute('openai', async () => 'never').catch((e: unknown) => e);
    await clock.advanceAsync(0);
    resilience.close();
    expect(await waiting).toMatchObject({ name: 'ShutdownError', service: 'openai' });
    await expect(resilience.execute('openai', async () => 'new')).rejects.toMatchObject({ name: 'ShutdownError' });
    finish('done');
    await expect(running).resolves.toBe('done');
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('Shadow mode', () => {
  it('never blocks, and reports what the limiter and breaker would have done', async () => {
    const { resilience, events } = setup({
      openai: { mode: 'shadow', retry: false, rateLimit: { requestsPerMinute: 2, maxWaitMs: 0 }, circuitBreaker: { failureThreshold: 1 } },
    });
    for (let i = 0; i < 3; i++) await resilience.execute('openai', async () => i);
    await expect(resilience.execute('openai', () => Promise.reject(httpError(500)))).rejects.toMatchObject({ status: 500 });
    await expect(resilience.execute('openai', async () => 'still called')).resolves.toBe('still called');
    const shadow = events.filter((e) => e.type === 'shadow_violation');
    expect(shadow.map((e) => (e as { component: string }).component)).toEqual(['rateLimit', 'rateLimit', 'circuitBreaker', 'rateLimit']);
    expect(resilience.getStats().services.openai!.shadowViolations).toBe(4);
  });
});

describe('createResilience: configuration errors', () => {
  it('an unknown service is a ConfigError listing the known ones', async () => {
    const { resilience } = setup({ openai: {}, anthropic: {} });
    await expect(resilience.execute('opneai', async () => 1)).rejects.toThrow(/service: "opneai".*'openai', 'anthropic'/);
  });

  it('with defaults, an unknown service is created on first use', async () => {
    const resilience = createResilience({ defaults: { retry: false } });
    await expect(resilience.execute('anything', async () => 1)).resolves.toBe(1);
    expect(resilience.services).toEqual(['anything']);
  });

  it.each([
    [{ openai: { timeoutMs: -1 } }, 'services.openai.timeoutMs'],
    [{ openai: { mode: 'dry-run' } }, 'services.openai.mode'],
    [{ openai: { retries: 3 } }, 'services.openai.retries'],
    [{ openai: { rateLimit: { requestsPerMinute: 0 } } }, 'rateLimit.requestsPerMinute'],
    [{ openai: { circuitBreaker: { failureThreshold: 0 } } }, 'circuitBreaker.failureThreshold'],
    [{ openai: { retry: { maxRetries: -1 } } }, 'retry.maxRetries'],
  ])('%j throws ConfigError naming %s', (services, path) => {
    const attempt = () => createResilience({ services: services as never });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(path);
  });
});

describe('Health', () => {
  it('healthy, then degraded when one circuit opens, then unavailable when all are open', async () => {
    const { resilience } = setup({ openai: { retry: false, circuitBreaker: { failureThreshold: 1 } }, anthropic: { retry: false, circuitBreaker: { failureThreshold: 1 } } });
    expect(resilience.getHealthStatus()).toMatchObject({ status: 'healthy', issues: [], servicesAvailable: ['openai', 'anthropic'] });
    await resilience.execute('openai', () => Promise.reject(httpError(500))).catch(() => undefined);
    expect(resilience.getHealthStatus()).toMatchObject({ status: 'degraded', servicesAvailable: ['anthropic'] });
    expect(resilience.getHealthStatus().issues[0]).toMatch(/Circuit 'openai' is OPEN/);
    await resilience.execute('anthropic', () => Promise.reject(httpError(529))).catch(() => undefined);
    expect(resilience.getHealthStatus()).toMatchObject({ status: 'unavailable', servicesAvailable: [] });
    resilience.resetCircuitBreaker('openai');
    expect(resilience.getHealthStatus()).toMatchObject({ status: 'degraded', servicesAvailable: ['openai'] });
  });
});

function setTimeoutOn(clock: ManualClock, fn: () => void, ms: number): void {
  clock.setTimer(fn, ms);
}

describe('A usage extractor that throws', () => {
  it('does not turn a successful call into a failure or a retry', async () => {
    const { resilience } = setup({ openai: { rateLimit: { tokensPerMinute: 10_000 }, retry: exactRetry } });
    let calls = 0;
    const result = await resilience.execute(
      'openai',
      async () => {
        calls++;
        return { usage: undefined as unknown as { total: number } };
      },
      { tokens: 500, usage: (r) => ({ tokens: r.usage.total }) },
    );
    expect(result).toBeDefined();
    expect(calls).toBe(1);
    expect(resilience.getStats().services.openai).toMatchObject({ succeeded: 1, failed: 0, retries: 0 });
    expect(resilience.getStats().rateLimiters.openai!.remaining.tokensPerMinute).toBe(9500);
  });
});
