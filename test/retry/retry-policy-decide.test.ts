import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { QuotaExceededError } from '../../src/core/errors.js';
import { RetryBudget } from '../../src/retry/retry-budget.js';
import type { RetryPolicyOptions } from '../../src/retry/retry-options.js';
import { RetryPolicy } from '../../src/retry/retry-policy.js';
import { httpError } from './helpers.js';

const now = { nowMs: 0 };

function policyWith(options: RetryPolicyOptions = {}): { policy: RetryPolicy; clock: ManualClock } {
  const clock = new ManualClock();
  return { policy: new RetryPolicy({ clock, jitter: 'none', budget: false, ...options }), clock };
}

function abortError(): Error {
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}

describe('RetryPolicy.decide', () => {
  it('retries a retryable failure after the computed backoff, growing per attempt', () => {
    const { policy } = policyWith();
    expect(policy.decide(1, httpError(503), now)).toEqual({ retry: true, delayMs: 1000, fromRetryAfter: false, kind: 'server_error' });
    expect(policy.decide(2, httpError(500), now)).toMatchObject({ retry: true, delayMs: 2000 });
    expect(policy.decide(3, httpError(429), now)).toMatchObject({ retry: true, delayMs: 4000, kind: 'rate_limited' });
    expect(policy.decide(1, new Error('a bug in the callback'), now)).toMatchObject({ retry: true, kind: 'unknown' });
  });

  it('stops with max_retries once maxRetries retries were made', () => {
    const { policy } = policyWith({ maxRetries: 3 });
    expect(policy.decide(3, httpError(503), now).retry).toBe(true);
    expect(policy.decide(4, httpError(503), now)).toEqual({ retry: false, reason: 'max_retries', kind: 'server_error' });
    expect(policyWith({ maxRetries: 0 }).policy.decide(1, httpError(503), now)).toMatchObject({ retry: false, reason: 'max_retries' });
  });

  it.each([400, 401, 403, 404, 422])('never retries a %i', (status) => {
    const { policy } = policyWith();
    expect(policy.decide(1, httpError(status), now)).toMatchObject({ retry: false, reason: 'not_retryable' });
  });

  it('never retries an abort, even when retryOn says yes', () => {
    const { policy } = policyWith({ retryOn: () => true });
    expect(policy.decide(1, abortError(), now)).toEqual({ retry: false, reason: 'not_retryable', kind: 'aborted' });
    expect(policy.decide(1, new DOMException('aborted', 'AbortError'), now)).toMatchObject({ retry: false, kind: 'aborted' });
  });

  it('langchainjs#1929: quota errors are not retried as rate limits', () => {
    const { policy } = policyWith();
    const quotaErrors = [
      httpError(429, undefined, { type: 'insufficient_quota', message: 'You exceeded your current quota' }),
      new QuotaExceededError('openai', 'billing'),
      httpError(402),
    ];
    for (const error of quotaErrors) {
      expect(policy.decide(1, error, now)).toEqual({ retry: false, reason: 'not_retryable', kind: 'quota_exhausted' });
    }
  });

  it('retryOn replaces the default rule and receives the kind', () => {
    const seen: string[] = [];
    const { policy } = policyWith({
      retryOn: (_error, kind) => {
        seen.push(kind);
        return kind === 'client_error';
      },
    });
    expect(policy.decide(1, httpError(400), now).retry).toBe(true);
    expect(policy.decide(1, httpError(503), now).retry).toBe(false);
    expect(seen).toEqual(['client_error', 'server_error']);
  });

  it('a retryOn that throws means "do not retry", not a crash', () => {
    const { policy } = policyWith({
      retryOn: () => {
        throw new Error('oops');
      },
    });
    expect(policy.decide(1, httpError(503), now)).toEqual({ retry: false, reason: 'not_retryable', kind: 'server_error' });
  });

  describe('retry-after', () => {
    it('wins over the computed backoff: seconds, milliseconds, an HTTP date, on a record or a fetch Headers', () => {
      const { policy, clock } = policyWith();
      const cases: Array<[Record<string, string> | Headers, number]> = [
        [{ 'retry-after': '2' }, 2000],
        [{ 'Retry-After': '0.5' }, 500],
        [{ 'retry-after-ms': '1234' }, 1234],
        [{ 'retry-after': new Date(clock.wallTime() + 3000).toUTCString() }, 3000],
        [new Headers({ 'retry-after': '7' }), 7000],
        [new Headers({ 'retry-after-ms': '250' }), 250],
      ];
      for (const [headers, delayMs] of cases) {
        expect(policy.decide(3, httpError(429, headers), now)).toEqual({ retry: true, delayMs, fromRetryAfter: true, kind: 'rate_limited' });
      }
    });

    it("reads a wait from a response object and from our own errors' retryAfterMs", () => {
      const { policy } = policyWith();
      const sdkError = Object.assign(new Error('overloaded'), { response: { status: 529, headers: new Headers({ 'retry-after': '3' }) } });
      expect(policy.decide(1, sdkError, now)).toMatchObject({ retry: true, delayMs: 3000, fromRetryAfter: true, kind: 'overloaded' });
      expect(policy.decide(1, Object.assign(httpError(503), { retryAfterMs: 42 }), now)).toMatchObject({ delayMs: 42, fromRetryAfter: true });
    });

    it('openai-node#1108: a wait over maxRetryAfterMs stops at once with the wait, never ignored nor slept', () => {
      const { policy } = policyWith();
      expect(policy.decide(1, httpError(429, { 'retry-after': '120' }), now)).toEqual({
        retry: false,
        reason: 'retry_after_too_long',
        retryAfterMs: 120_000,
        kind: 'rate_limited',
      });
      // Exactly at the cap is still slept.
      expect(policy.decide(1, httpError(429, { 'retry-after': '60' }), now)).toMatchObject({ retry: true, delayMs: 60_000 });
      const patient = policyWith({ maxRetryAfterMs: 3_600_000 }).policy;
      expect(patient.decide(1, httpError(429, { 'retry-after': '3600' }), now)).toMatchObject({ retry: true, delayMs: 3_600_000 });
    });

    it('does not apply to an error that is not retryable', () => {
      const { policy } = policyWith();
      expect(policy.decide(1, httpError(400, { 'retry-after': '1' }), now)).toMatchObject({ retry: false, reason: 'not_retryable' });
    });
  });

  describe('deadline', () => {
    it('stops when the delay plus another attempt as long as the last cannot finish in time', () => {
      const { policy } = policyWith();
      expect(policy.decide(1, httpError(503), { nowMs: 0, deadlineAt: 2500, lastAttemptDurationMs: 1000 })).toMatchObject({ retry: true, delayMs: 1000 });
      expect(policy.decide(1, httpError(503), { nowMs: 0, deadlineAt: 2500, lastAttemptDurationMs: 2000 })).toEqual({
        retry: false,
        reason: 'deadline',
        retryAfterMs: 1000,
        kind: 'server_error',
      });
      expect(policy.decide(1, httpError(429, { 'retry-after': '5' }), { nowMs: 10_000, deadlineAt: 14_000 })).toMatchObject({
        retry: false,
        reason: 'deadline',
        retryAfterMs: 5000,
      });
    });
  });

  describe('budget', () => {
    it('stops with budget when refused, and charges only a retry that happens', () => {
      const clock = new ManualClock();
      const budget = new RetryBudget({ clock, ratio: 0, minRetriesPerSecond: 0.2 }); // 2 retries per 10 s
      const policy = new RetryPolicy({ clock, budget, jitter: 'none', maxRetries: 1 });
      policy.decide(1, httpError(400), now);
      policy.decide(2, httpError(503), now);
      policy.decide(1, httpError(429, { 'retry-after': '600' }), now);
      policy.decide(1, httpError(503), { nowMs: 0, deadlineAt: 10 });
      expect(budget.stats().retries).toBe(0);
      expect(policy.decide(1, httpError(503), now).retry).toBe(true);
      expect(policy.decide(1, httpError(503), now).retry).toBe(true);
      expect(policy.decide(1, httpError(503), now)).toEqual({ retry: false, reason: 'budget', kind: 'server_error' });
      expect(budget.stats().retries).toBe(2);
    });

    it('builds its own budget from options, on the policy clock', () => {
      const clock = new ManualClock();
      const policy = new RetryPolicy({ clock, budget: { ratio: 0, minRetriesPerSecond: 0.1 } });
      expect(policy.decide(1, httpError(503), now).retry).toBe(true);
      expect(policy.decide(1, httpError(503), now)).toMatchObject({ retry: false, reason: 'budget' });
      clock.advance(10_000);
      expect(policy.decide(1, httpError(503), now).retry).toBe(true);
    });
  });

  it('uses the previous delay for decorrelated jitter', () => {
    const { policy } = policyWith({ jitter: 'decorrelated', baseDelayMs: 100, random: () => 0.5 });
    expect(policy.decide(2, httpError(503), { nowMs: 0, previousDelayMs: 1000 })).toMatchObject({ retry: true, delayMs: 1550 });
    expect(policy.decide(2, httpError(503), { nowMs: 0 })).toMatchObject({ retry: true, delayMs: 200 });
  });

  it('property: never throws, whatever the error, attempt and context', () => {
    const { policy } = policyWith({ budget: { ratio: 0.5 }, jitter: 'full' });
    const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity, undefined));
    const context = fc.record(
      { nowMs: number, deadlineAt: number, lastAttemptDurationMs: number, previousDelayMs: number },
      { requiredKeys: [] },
    ) as fc.Arbitrary<{ nowMs: number }>;
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('hostile getter');
        },
      },
    );
    const error = fc.oneof(fc.anything(), fc.constant(hostile), fc.constant(Object.create(null)), fc.record({ status: fc.integer(), headers: fc.dictionary(fc.string(), fc.string()) }));
    fc.assert(
      fc.property(fc.oneof(number, fc.constant(1)), error, context, (attempt, thrown, ctx) => {
        const decision = policy.decide(attempt as number, thrown, ctx);
        if (decision.retry) {
          expect(Number.isFinite(decision.delayMs)).toBe(true);
          expect(decision.delayMs).toBeGreaterThanOrEqual(0);
        } else {
          expect(['not_retryable', 'max_retries', 'budget', 'deadline', 'retry_after_too_long']).toContain(decision.reason);
        }
      }),
      { numRuns: 2_000 },
    );
    expect(policy.decide(1, hostile, now)).toMatchObject({ retry: false, reason: 'not_retryable' });
    expect(policyWith().policy.decide(1, httpError(503), undefined as unknown as { nowMs: number }).retry).toBe(true);
  });
});
