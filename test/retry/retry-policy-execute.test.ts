import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks } from '../../src/core/clock.js';
import { QuotaExceededError, RetryExhaustedError } from '../../src/core/errors.js';
import { EventChannel, type ResilienceEvent } from '../../src/core/events.js';
import type { RetryPolicyOptions } from '../../src/retry/retry-options.js';
import { RetryPolicy } from '../../src/retry/retry-policy.js';
import { driveClock, httpError } from './helpers.js';

function setup(options: RetryPolicyOptions = {}) {
  const clock = new ManualClock();
  const policy = new RetryPolicy({ clock, jitter: 'none', budget: false, name: 'openai', ...options });
  const events: ResilienceEvent[] = [];
  policy.events.on((event) => events.push(event));
  return { clock, policy, events };
}

/** A function failing with the given errors in turn, then returning 'ok'; records when each attempt started. */
function failing(clock: ManualClock, ...errors: unknown[]) {
  const startedAt: number[] = [];
  const fn = async ({ attempt }: { attempt: number }): Promise<string> => {
    startedAt.push(clock.now());
    const error = errors[attempt - 1];
    if (error !== undefined) throw error;
    return 'ok';
  };
  return { fn, startedAt };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Lets `promise` settle through promise callbacks only, without any timer or macrotask. */
async function settlesWithinTick(promise: Promise<unknown>): Promise<{ settled: boolean; outcome: unknown }> {
  const state = { settled: false, outcome: undefined as unknown };
  promise.then(
    (value) => Object.assign(state, { settled: true, outcome: value }),
    (error: unknown) => Object.assign(state, { settled: true, outcome: error }),
  );
  for (let i = 0; i < 20 && !state.settled; i++) await Promise.resolve();
  return state;
}

describe('RetryPolicy.execute', () => {
  it('retries until success, waiting the backoff between attempts', async () => {
    const { clock, policy } = setup();
    const { fn, startedAt } = failing(clock, httpError(503), httpError(500), httpError(429));
    await expect(driveClock(clock, policy.execute(fn))).resolves.toBe('ok');
    expect(startedAt).toEqual([0, 1000, 3000, 7000]);
  });

  it('passes the attempt number and the signal to fn', async () => {
    const { clock, policy } = setup({ baseDelayMs: 0 });
    const controller = new AbortController();
    const seen: Array<{ attempt: number; signal?: AbortSignal }> = [];
    const result = policy.execute(
      async (context) => {
        seen.push(context);
        if (context.attempt < 2) throw httpError(503);
        return context.attempt;
      },
      { signal: controller.signal },
    );
    await expect(driveClock(clock, result)).resolves.toBe(2);
    expect(seen).toEqual([
      { attempt: 1, signal: controller.signal },
      { attempt: 2, signal: controller.signal },
    ]);
  });

  it('throws RetryExhaustedError carrying every attempt once maxRetries is spent', async () => {
    const { clock, policy } = setup({ maxRetries: 3 });
    const errors = [httpError(503), httpError(500), httpError(502), httpError(503)];
    const { fn } = failing(clock, ...errors);
    const error = await rejectionOf(driveClock(clock, policy.execute(fn)));
    expect(error).toBeInstanceOf(RetryExhaustedError);
    const exhausted = error as RetryExhaustedError;
    expect(exhausted.reason).toBe('max_retries');
    expect(exhausted.service).toBe('openai');
    expect(exhausted.cause).toBe(errors[3]);
    expect(exhausted.attempts).toEqual([
      { attempt: 1, kind: 'server_error', error: errors[0], delayMs: 1000 },
      { attempt: 2, kind: 'server_error', error: errors[1], delayMs: 2000 },
      { attempt: 3, kind: 'server_error', error: errors[2], delayMs: 4000 },
      { attempt: 4, kind: 'server_error', error: errors[3] },
    ]);
    expect(exhausted.message).toContain('gave up after 4 attempts');
  });

  it("names the service 'retry' by default", async () => {
    const clock = new ManualClock();
    const policy = new RetryPolicy({ clock, maxRetries: 0, budget: false });
    const error = await rejectionOf(policy.execute(() => Promise.reject(httpError(503))));
    expect((error as RetryExhaustedError).service).toBe('retry');
  });

  it.each([400, 401, 403, 404, 422])('rethrows a %i as is after one attempt', async (status) => {
    const { clock, policy } = setup();
    const original = httpError(status);
    const { fn, startedAt } = failing(clock, original);
    await expect(policy.execute(fn)).rejects.toBe(original);
    expect(startedAt).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rethrows an abort error from fn as is, without retrying', async () => {
    const { clock, policy } = setup();
    const original = new DOMException('This operation was aborted', 'AbortError');
    const { fn, startedAt } = failing(clock, original);
    await expect(policy.execute(fn)).rejects.toBe(original);
    expect(startedAt).toHaveLength(1);
  });

  it('a synchronous throw from fn is handled like a rejection', async () => {
    const { clock, policy } = setup({ baseDelayMs: 0 });
    let calls = 0;
    const result = policy.execute(() => {
      calls++;
      if (calls === 1) throw httpError(503);
      return Promise.resolve('ok');
    });
    await expect(driveClock(clock, result)).resolves.toBe('ok');
  });

  it('langchainjs#1929: a quota error gets exactly one attempt and is reported as quota_exhausted', async () => {
    const quotaErrors = [
      httpError(429, undefined, { type: 'insufficient_quota', message: 'You exceeded your current quota' }),
      new QuotaExceededError('openai', 'credit balance is too low'),
      httpError(402),
    ];
    for (const original of quotaErrors) {
      const { clock, policy, events } = setup();
      const { fn, startedAt } = failing(clock, original, original, original);
      await expect(policy.execute(fn)).rejects.toBe(original);
      expect(startedAt).toHaveLength(1);
      expect(events.map((e) => e.type)).toEqual(['attempt_failed', 'quota_exhausted']);
      expect(events[1]).toMatchObject({ type: 'quota_exhausted', service: 'openai', attempt: 1, maxAttempts: 4 });
    }
  });

  describe('retry-after', () => {
    it('litellm#20722: each retry honours its own response, never a stale header', async () => {
      const { clock, policy, events } = setup({ maxRetries: 5 });
      const { fn, startedAt } = failing(
        clock,
        httpError(429, { 'retry-after': '2' }),
        httpError(429, new Headers({ 'retry-after': '5' })),
        httpError(503),
        httpError(429, { 'retry-after-ms': '1500' }),
      );
      await expect(driveClock(clock, policy.execute(fn))).resolves.toBe('ok');
      // 2 s, then 5 s, then the backoff for the third retry (4 s) since the 503 asked for nothing, then 1.5 s.
      expect(startedAt).toEqual([0, 2000, 7000, 11_000, 12_500]);
      const scheduled = events.filter((e) => e.type === 'retry_scheduled');
      expect(scheduled.map((e) => [e.delayMs, e.fromRetryAfter])).toEqual([
        [2000, true],
        [5000, true],
        [4000, false],
        [1500, true],
      ]);
    });

    it('honours an HTTP-date retry-after', async () => {
      const { clock, policy } = setup();
      const { fn, startedAt } = failing(clock, httpError(429, { 'retry-after': new Date(clock.wallTime() + 9000).toUTCString() }));
      await expect(driveClock(clock, policy.execute(fn))).resolves.toBe('ok');
      expect(startedAt).toEqual([0, 9000]);
    });

    it('openai-node#1108: a retry-after over the cap fails at once with the wait in the error, never silently ignored', async () => {
      const { clock, policy } = setup();
      const original = httpError(429, { 'retry-after': '120' });
      const { fn, startedAt } = failing(clock, original);
      const error = (await rejectionOf(policy.execute(fn))) as RetryExhaustedError;
      expect(error).toBeInstanceOf(RetryExhaustedError);
      expect(error.reason).toBe('retry_after_too_long');
      expect(error.retryAfterMs).toBe(120_000);
      expect(error.message).toContain('120000 ms');
      expect(error.attempts).toEqual([{ attempt: 1, kind: 'rate_limited', error: original }]);
      expect(startedAt).toHaveLength(1);
      expect(clock.pendingTimers).toBe(0);
    });

    it('Anthropic SDK (no cap): an hour-long retry-after is not slept', async () => {
      const { clock, policy } = setup();
      const { fn } = failing(clock, httpError(529, { 'retry-after': '3600' }));
      const settled = await settlesWithinTick(policy.execute(fn));
      expect(settled.settled).toBe(true);
      expect(settled.outcome).toMatchObject({ reason: 'retry_after_too_long', retryAfterMs: 3_600_000 });
      expect(clock.now()).toBe(0);
    });
  });

  it('stops at the deadline, with the wait it could not afford', async () => {
    const { clock, policy } = setup({ maxRetries: 10 });
    const { fn, startedAt } = failing(clock, ...Array.from({ length: 10 }, () => httpError(503)));
    const error = (await rejectionOf(driveClock(clock, policy.execute(fn, { deadlineMs: 5000 })))) as RetryExhaustedError;
    expect(startedAt).toEqual([0, 1000, 3000]);
    expect(error.reason).toBe('deadline');
    expect(error.retryAfterMs).toBe(4000);
    expect(error.attempts).toHaveLength(3);
  });

  it('counts the duration of the last attempt against the deadline', async () => {
    const { clock, policy } = setup({ maxRetries: 10, baseDelayMs: 100, exponentialBase: 1 });
    const fn = async (): Promise<never> => {
      await new Promise<void>((resolve) => clock.setTimer(resolve, 2000));
      throw httpError(503);
    };
    const error = (await rejectionOf(driveClock(clock, policy.execute(fn, { deadlineMs: 5000 })))) as RetryExhaustedError;
    // At 2000: 2000 + 100 + 2000 <= 5000, retry; at 4100: 4100 + 100 + 2000 > 5000, stop.
    expect(error.reason).toBe('deadline');
    expect(error.attempts).toHaveLength(2);
    expect(clock.now()).toBe(4100);
  });

  it('a budget caps retries when everything fails: 100 requests failing with 503 get at most 20 % + the floor', async () => {
    const clock = new ManualClock();
    const policy = new RetryPolicy({ clock, random: () => 0, budget: { ratio: 0.2, windowMs: 10_000, minRetriesPerSecond: 1 } });
    let calls = 0;
    const reasons: string[] = [];
    for (let request = 0; request < 100; request++) {
      const error = await rejectionOf(
        driveClock(
          clock,
          policy.execute(async () => {
            calls++;
            throw httpError(503);
          }),
        ),
      );
      reasons.push((error as RetryExhaustedError).reason);
    }
    const retries = calls - 100;
    expect(retries).toBeLessThanOrEqual(0.2 * 100 + 10);
    expect(retries).toBeGreaterThan(0);
    expect(reasons).toContain('budget');
    expect(policy.budget!.stats()).toMatchObject({ requests: 100, retries });
    // Without a budget the same outage costs (maxRetries + 1) × the traffic.
    expect(calls).toBeLessThan(400);
  });

  describe('abort', () => {
    it('openai-node#2580: an abort during the backoff sleep rejects within the same tick with the signal reason, leaving no timer', async () => {
      const { clock, policy } = setup();
      const controller = new AbortController();
      const { fn, startedAt } = failing(clock, httpError(503), httpError(503));
      const result = policy.execute(fn, { signal: controller.signal });
      await flushMicrotasks();
      expect(clock.pendingTimers).toBe(1);
      const reason = new Error('user navigated away');
      controller.abort(reason);
      const settled = await settlesWithinTick(result);
      expect(settled).toEqual({ settled: true, outcome: reason });
      expect(clock.pendingTimers).toBe(0);
      expect(clock.now()).toBe(0);
      expect(startedAt).toHaveLength(1);
    });

    it('vercel/ai#7656: an abort during a retry-after sleep ends it too, with the default AbortError', async () => {
      const { clock, policy } = setup();
      const controller = new AbortController();
      const { fn, startedAt } = failing(clock, httpError(429, { 'retry-after': '30' }));
      const result = policy.execute(fn, { signal: controller.signal });
      await flushMicrotasks();
      await clock.advanceAsync(10_000);
      expect(clock.pendingTimers).toBe(1);
      controller.abort();
      const settled = await settlesWithinTick(result);
      expect(settled.settled).toBe(true);
      expect(settled.outcome).toBe(controller.signal.reason);
      expect((settled.outcome as Error).name).toBe('AbortError');
      expect(clock.pendingTimers).toBe(0);
      expect(startedAt).toHaveLength(1);
    });

    it('an already-aborted signal never calls fn nor counts a request', async () => {
      const { policy } = setup({ budget: {} });
      const controller = new AbortController();
      const reason = new Error('gone');
      controller.abort(reason);
      let calls = 0;
      await expect(
        policy.execute(async () => {
          calls++;
        }, { signal: controller.signal }),
      ).rejects.toBe(reason);
      expect(calls).toBe(0);
      expect(policy.budget!.stats().requests).toBe(0);
    });

    it('an abort while fn runs stops the loop with the signal reason, whatever fn threw', async () => {
      const { clock, policy } = setup();
      const controller = new AbortController();
      const reason = new Error('cancelled');
      const { fn, startedAt } = failing(clock, httpError(503));
      const result = policy.execute(
        async (context) => {
          controller.abort(reason);
          return fn(context);
        },
        { signal: controller.signal },
      );
      await expect(result).rejects.toBe(reason);
      expect(startedAt).toHaveLength(1);
      expect(clock.pendingTimers).toBe(0);
    });
  });

  describe('events', () => {
    it('reports attempt_failed and retry_scheduled with the clock wall time', async () => {
      const { clock, policy, events } = setup({ maxRetries: 1 });
      const { fn } = failing(clock, httpError(503, { 'retry-after': '1' }), httpError(503));
      await rejectionOf(driveClock(clock, policy.execute(fn)));
      const start = clock.wallTime() - 1000;
      expect(events).toEqual([
        { type: 'attempt_failed', service: 'openai', at: start, attempt: 1, maxAttempts: 2, kind: 'server_error', message: 'HTTP 503' },
        { type: 'retry_scheduled', service: 'openai', at: start, attempt: 1, delayMs: 1000, kind: 'server_error', fromRetryAfter: true },
        { type: 'attempt_failed', service: 'openai', at: start + 1000, attempt: 2, maxAttempts: 2, kind: 'server_error', message: 'HTTP 503' },
      ]);
    });

    it('emits on a channel given in the options, and a throwing listener changes nothing', async () => {
      const clock = new ManualClock();
      const channel = new EventChannel<ResilienceEvent>();
      const seen: string[] = [];
      channel.on(() => {
        throw new Error('listener bug');
      });
      channel.on((event) => seen.push(event.type));
      const policy = new RetryPolicy({ clock, events: channel, budget: false, baseDelayMs: 0 });
      expect(policy.events).toBe(channel);
      const { fn } = failing(clock, httpError(500));
      await expect(driveClock(clock, policy.execute(fn))).resolves.toBe('ok');
      expect(seen).toEqual(['attempt_failed', 'retry_scheduled']);
    });
  });
});
