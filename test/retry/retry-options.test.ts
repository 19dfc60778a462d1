import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { backoffDelayMs } from '../../src/retry/backoff.js';
import { RetryBudget } from '../../src/retry/retry-budget.js';
import { RETRY_DEFAULTS, type RetryPolicyOptions, resolveBackoffOptions, resolveRetryBudgetOptions } from '../../src/retry/retry-options.js';
import { RetryPolicy } from '../../src/retry/retry-policy.js';

function configErrorOf(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('retry options', () => {
  it("has the seeds' defaults", () => {
    expect(RETRY_DEFAULTS).toMatchObject({ maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 60_000, exponentialBase: 2, jitter: 'full' });
    expect(RETRY_DEFAULTS.budget).toEqual({ ratio: 0.2, windowMs: 10_000, minRetriesPerSecond: 1 });
    expect(resolveBackoffOptions(undefined)).toEqual({ baseDelayMs: 1000, maxDelayMs: 60_000, exponentialBase: 2, jitter: 'full' });
    const policy = new RetryPolicy();
    expect(policy.maxRetries).toBe(3);
    expect(policy.maxRetryAfterMs).toBe(60_000);
    expect(policy.budget).toBeInstanceOf(RetryBudget);
    expect(new RetryPolicy({ maxDelayMs: 30_000 }).maxRetryAfterMs).toBe(30_000);
    expect(new RetryPolicy({ budget: false }).budget).toBeUndefined();
  });

  const invalid: Array<[string, RetryPolicyOptions | Record<string, unknown>]> = [
    ['retry.baseDelayMs', { baseDelayMs: -1 }],
    ['retry.baseDelayMs', { baseDelayMs: NaN }],
    ['retry.maxDelayMs', { maxDelayMs: Infinity }],
    ['retry.maxDelayMs', { maxDelayMs: 2 ** 31 }],
    ['retry.maxDelayMs', { maxDelayMs: '60' }],
    ['retry.maxRetries', { maxRetries: -1 }],
    ['retry.maxRetries', { maxRetries: 1.5 }],
    ['retry.maxRetries', { maxRetries: NaN }],
    ['retry.maxRetries', { maxRetries: Infinity }],
    ['retry.exponentialBase', { exponentialBase: 0.5 }],
    ['retry.exponentialBase', { exponentialBase: Infinity }],
    ['retry.jitter', { jitter: 'random' }],
    ['retry.maxRetryAfterMs', { maxRetryAfterMs: -5 }],
    ['retry.retryOn', { retryOn: true }],
    ['retry.budget', { budget: 'yes' }],
    ['retry.budget.ratio', { budget: { ratio: 1.5 } }],
    ['retry.budget.ratio', { budget: { ratio: -0.1 } }],
    ['retry.budget.ratio', { budget: { ratio: NaN } }],
    ['retry.budget.windowMs', { budget: { windowMs: 0 } }],
    ['retry.budget.minRetriesPerSecond', { budget: { minRetriesPerSecond: -1 } }],
  ];

  it.each(invalid)('rejects an invalid %s with a ConfigError naming it', (path, options) => {
    const error = configErrorOf(() => new RetryPolicy(options as RetryPolicyOptions));
    expect(error.path).toBe(path);
    expect(error.message).toContain(path);
    expect(error.expected.length).toBeGreaterThan(0);
  });

  it('validates the options of the pure functions and the budget too', () => {
    expect(configErrorOf(() => backoffDelayMs(1, { exponentialBase: 0 })).path).toBe('retry.exponentialBase');
    expect(configErrorOf(() => new RetryBudget({ ratio: 2 })).path).toBe('retry.budget.ratio');
    expect(configErrorOf(() => resolveRetryBudgetOptions({ windowMs: NaN }, 'services.openai.retry.budget')).path).toBe(
      'services.openai.retry.budget.windowMs',
    );
  });

  it('accepts the boundaries', () => {
    expect(() => new RetryPolicy({ maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0, exponentialBase: 1, jitter: 'none' })).not.toThrow();
    expect(() => new RetryBudget({ ratio: 0, minRetriesPerSecond: 0 })).not.toThrow();
    expect(() => new RetryBudget({ ratio: 1 })).not.toThrow();
  });
});
