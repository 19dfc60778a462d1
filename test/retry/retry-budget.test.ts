import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RetryBudget } from '../../src/retry/retry-budget.js';

function acquireAll(budget: RetryBudget, limit = 10_000): number {
  let granted = 0;
  while (granted < limit && budget.tryAcquireRetry()) granted++;
  return granted;
}

describe('RetryBudget', () => {
  it('allows the floor (minRetriesPerSecond × window) with no traffic', () => {
    const budget = new RetryBudget({ clock: new ManualClock() });
    expect(acquireAll(budget)).toBe(10);
    expect(budget.stats()).toEqual({ requests: 0, retries: 10, allowedRetries: 10, availableRetries: 0 });
  });

  it('allows ratio × requests on top of the floor', () => {
    const budget = new RetryBudget({ clock: new ManualClock(), ratio: 0.2, minRetriesPerSecond: 0 });
    for (let i = 0; i < 100; i++) budget.recordRequest();
    expect(acquireAll(budget)).toBe(20);
    expect(budget.tryAcquireRetry()).toBe(false);
    expect(budget.stats()).toMatchObject({ requests: 100, retries: 20, availableRetries: 0 });
  });

  it('a refused retry is not counted', () => {
    const budget = new RetryBudget({ clock: new ManualClock(), minRetriesPerSecond: 0 });
    for (let i = 0; i < 5; i++) budget.recordRequest();
    expect(acquireAll(budget)).toBe(1);
    for (let i = 0; i < 10; i++) expect(budget.tryAcquireRetry()).toBe(false);
    expect(budget.stats().retries).toBe(1);
  });

  it('forgets requests and retries once they leave the window', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ clock, windowMs: 10_000, minRetriesPerSecond: 0, ratio: 0.5 });
    for (let i = 0; i < 10; i++) budget.recordRequest();
    expect(acquireAll(budget)).toBe(5);
    clock.advance(5_000);
    expect(budget.tryAcquireRetry()).toBe(false);
    clock.advance(5_000);
    expect(budget.stats()).toEqual({ requests: 0, retries: 0, allowedRetries: 0, availableRetries: 0 });
    budget.recordRequest();
    budget.recordRequest();
    expect(acquireAll(budget)).toBe(1);
  });

  it('slides bucket by bucket: old requests leave one tenth of the window at a time', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ clock, windowMs: 10_000, minRetriesPerSecond: 0, ratio: 1 });
    for (let second = 0; second < 10; second++) {
      budget.recordRequest();
      clock.advance(1_000);
    }
    expect(budget.stats().requests).toBe(9);
    clock.advance(4_000);
    expect(budget.stats().requests).toBe(5);
  });

  it('stays exact and cheap over a long run (O(1) per call, no drift)', () => {
    const clock = new ManualClock({ startMs: 123_456 });
    const budget = new RetryBudget({ clock, ratio: 0.2, minRetriesPerSecond: 0 });
    for (let i = 0; i < 200_000; i++) {
      budget.recordRequest();
      budget.tryAcquireRetry();
      clock.advance(7);
    }
    const stats = budget.stats();
    expect(Number.isInteger(stats.requests)).toBe(true);
    expect(stats.retries).toBeLessThanOrEqual(stats.allowedRetries);
    expect(stats.retries / stats.requests).toBeLessThanOrEqual(0.21);
  });

  it('works on a clock that starts below zero', () => {
    const clock = new ManualClock({ startMs: -50_000 });
    const budget = new RetryBudget({ clock, minRetriesPerSecond: 0, ratio: 1 });
    budget.recordRequest();
    clock.advance(3_000);
    budget.recordRequest();
    expect(acquireAll(budget)).toBe(2);
    clock.advance(20_000);
    expect(budget.stats()).toEqual({ requests: 0, retries: 0, allowedRetries: 0, availableRetries: 0 });
  });
});
