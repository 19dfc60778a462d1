import { describe, it, expect } from 'vitest';
import { CircuitBreaker, CIRCUIT_BREAKER_DEFAULTS } from '../../src/breaker/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { CircuitBreakerError } from '../../src/core/errors.js';
import { failCalls, makeBreaker, serverError, succeedCalls, transitions } from './helpers.js';

describe('CircuitBreaker: closed → open', () => {
  it('opens on exactly failureThreshold consecutive failures (default 5)', () => {
    const { breaker } = makeBreaker();
    failCalls(breaker, 4);
    expect(breaker.state).toBe('closed');
    failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(breaker.stats().failureCount).toBe(5);
  });

  it('a success resets the consecutive count', () => {
    const { breaker } = makeBreaker({ failureThreshold: 3 });
    failCalls(breaker, 2);
    succeedCalls(breaker, 1);
    failCalls(breaker, 2);
    expect(breaker.state).toBe('closed');
    failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('fails fast while open, without calling the function, and counts the refusal', async () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 10_000 });
    failCalls(breaker, 1);
    clock.advance(4_000);
    let called = false;
    const refusal = breaker.execute(() => (called = true));
    await expect(refusal).rejects.toBeInstanceOf(CircuitBreakerError);
    await refusal.catch((error: CircuitBreakerError) => {
      expect(error.retryAfterMs).toBe(6_000);
      expect(error.state).toBe('open');
      expect(error.service).toBe('openai');
    });
    expect(called).toBe(false);
    expect(breaker.tryAcquirePermit()).toBe(-1);
    expect(breaker.stats().rejected).toBe(2);
  });

  it('uses the seeds defaults', () => {
    expect(CIRCUIT_BREAKER_DEFAULTS).toMatchObject({ failureThreshold: 5, successThreshold: 2, openMs: 60_000, halfOpenMaxCalls: 3 });
  });
});

describe('CircuitBreaker: open → half_open → closed', () => {
  it('half-opens lazily once openMs has elapsed, not a millisecond before', () => {
    const { breaker, clock, events } = makeBreaker({ failureThreshold: 1, openMs: 1_000 });
    failCalls(breaker, 1);
    clock.advance(999);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquirePermit()).toBe(-1);
    clock.advance(1);
    expect(events).toHaveLength(1); // no timer: nothing happened until someone asked
    expect(breaker.tryAcquirePermit()).toBeGreaterThanOrEqual(0);
    expect(breaker.state).toBe('half_open');
  });

  it('closes after exactly successThreshold successful probes', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, successThreshold: 3, openMs: 1_000 });
    failCalls(breaker, 1);
    clock.advance(1_000);
    succeedCalls(breaker, 2);
    expect(breaker.state).toBe('half_open');
    expect(breaker.stats().successCount).toBe(2);
    succeedCalls(breaker, 1);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ failureCount: 0, consecutiveFailures: 0, successCount: 0, openedAt: null });
  });

  it('a failed probe re-opens for another openMs', () => {
    const { breaker, clock, events } = makeBreaker({ failureThreshold: 1, openMs: 1_000 });
    failCalls(breaker, 1);
    clock.advance(1_000);
    succeedCalls(breaker, 1);
    failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterMs()).toBe(1_000);
    expect(transitions(events)).toEqual(['closed→open (failures)', 'open→half_open (open_elapsed)', 'half_open→open (probe_failed)']);
  });

  it('allows halfOpenMaxCalls probes in flight at once, refuses the next, and frees a slot when one completes', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 1_000, successThreshold: 10 });
    failCalls(breaker, 1);
    clock.advance(1_000);
    const probes = [breaker.tryAcquirePermit(), breaker.tryAcquirePermit(), breaker.tryAcquirePermit()];
    expect(probes.every((epoch) => epoch >= 0)).toBe(true);
    expect(breaker.tryAcquirePermit()).toBe(-1);
    expect(breaker.stats().probesInFlight).toBe(3);
    breaker.onSuccess(probes[0]!, 10);
    const fourth = breaker.tryAcquirePermit();
    expect(fourth).toBeGreaterThanOrEqual(0);
    expect(breaker.tryAcquirePermit()).toBe(-1);
    // In flight at once, not in total: keep completing and starting probes past the limit.
    breaker.onIgnored(probes[1]!);
    breaker.onSuccess(fourth, 10);
    succeedCalls(breaker, 2);
    expect(breaker.state).toBe('half_open');
    expect(breaker.stats().probesInFlight).toBe(1);
  });

  it('refuses with a half_open CircuitBreakerError when every probe slot is taken', async () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 1_000, halfOpenMaxCalls: 1, halfOpenProbeTimeoutMs: 5_000 });
    failCalls(breaker, 1);
    clock.advance(1_000);
    breaker.tryAcquirePermit();
    clock.advance(2_000);
    const error = await breaker.execute(() => 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitBreakerError);
    expect(error).toMatchObject({ state: 'half_open', retryAfterMs: 3_000 });
  });

  it('an ignored error releases the probe slot without counting either way', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 1_000, halfOpenMaxCalls: 1 });
    failCalls(breaker, 1);
    clock.advance(1_000);
    const probe = breaker.tryAcquirePermit();
    breaker.onFailure(probe, Object.assign(new Error('bad request'), { status: 400 }), 10);
    expect(breaker.state).toBe('half_open');
    expect(breaker.stats()).toMatchObject({ probesInFlight: 0, successCount: 0, totalIgnored: 1 });
    expect(breaker.tryAcquirePermit()).toBeGreaterThanOrEqual(0);
  });

  it('an ignored error in closed state does not reset the consecutive failures', () => {
    const { breaker } = makeBreaker({ failureThreshold: 3 });
    failCalls(breaker, 2);
    breaker.onFailure(breaker.tryAcquirePermit(), Object.assign(new Error('slow down'), { status: 429 }), 10);
    expect(breaker.stats().consecutiveFailures).toBe(2);
    failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
  });
});

describe('CircuitBreaker: epochs and stale outcomes', () => {
  it('shares one epoch between closed permits and changes it on every transition', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 1_000 });
    const a = breaker.tryAcquirePermit();
    expect(breaker.tryAcquirePermit()).toBe(a);
    breaker.onFailure(a, serverError(), 10);
    clock.advance(1_000);
    const probe = breaker.tryAcquirePermit();
    expect(probe).not.toBe(a);
    expect(probe).toBeGreaterThanOrEqual(0);
  });

  it('a stale failure does not re-open a circuit that has moved on; it still counts in totals', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 2, openMs: 1_000, successThreshold: 1 });
    const slow = breaker.tryAcquirePermit(); // started while closed, answers much later
    failCalls(breaker, 2);
    clock.advance(1_000);
    succeedCalls(breaker, 1);
    expect(breaker.state).toBe('closed');
    breaker.onFailure(slow, serverError(), 5_000);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ consecutiveFailures: 0, failureCount: 0, totalFailures: 3 });
  });

  it('a stale success does not close a circuit nor free a probe slot', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 1_000, successThreshold: 1, halfOpenMaxCalls: 1 });
    const old = breaker.tryAcquirePermit();
    failCalls(breaker, 1);
    clock.advance(1_000);
    const probe = breaker.tryAcquirePermit();
    breaker.onSuccess(old, 10);
    breaker.onIgnored(old);
    expect(breaker.state).toBe('half_open');
    expect(breaker.stats().probesInFlight).toBe(1);
    breaker.onSuccess(probe, 10);
    expect(breaker.state).toBe('closed');
  });

  it('outcomes from before a reset do not count against the fresh circuit', () => {
    const { breaker } = makeBreaker({ failureThreshold: 2 });
    const before = [breaker.tryAcquirePermit(), breaker.tryAcquirePermit()];
    breaker.reset();
    for (const epoch of before) breaker.onFailure(epoch, serverError(), 10);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().consecutiveFailures).toBe(0);
  });
});

describe('CircuitBreaker: isolate and reset', () => {
  it('isolate holds the circuit open until reset, with retryAfterMs Infinity', async () => {
    const { breaker, clock, events } = makeBreaker({ openMs: 1_000 });
    breaker.isolate();
    clock.advance(1_000_000);
    expect(breaker.state).toBe('isolated');
    expect(breaker.tryAcquirePermit()).toBe(-1);
    expect(breaker.retryAfterMs()).toBe(Number.POSITIVE_INFINITY);
    await expect(breaker.execute(() => 1)).rejects.toMatchObject({ state: 'isolated', retryAfterMs: Number.POSITIVE_INFINITY });
    expect(breaker.stats()).toMatchObject({ state: 'isolated', nextProbeInMs: null, openedAt: clock.wallTime() - 1_000_000 });
    breaker.reset();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquirePermit()).toBeGreaterThanOrEqual(0);
    expect(transitions(events)).toEqual(['closed→isolated (manual)', 'isolated→closed (manual)']);
  });

  it('reset closes an open circuit and clears the counts, keeping lifetime totals', () => {
    const { breaker } = makeBreaker({ failureThreshold: 2 });
    failCalls(breaker, 2);
    breaker.reset();
    expect(breaker.stats()).toMatchObject({ state: 'closed', failureCount: 0, consecutiveFailures: 0, totalFailures: 2, trips: 0 });
    failCalls(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('reset of a closed circuit clears its count without an event', () => {
    const { breaker, events } = makeBreaker({ failureThreshold: 2 });
    failCalls(breaker, 1);
    breaker.reset();
    failCalls(breaker, 1);
    expect(breaker.state).toBe('closed');
    expect(events).toEqual([]);
  });
});

describe('CircuitBreaker: events, stats and retryAfterMs', () => {
  it('emits every transition in order with from, to, reason, failures, openMs and the wall time', () => {
    const clock = new ManualClock({ wallTimeMs: 1_000_000 });
    const breaker = new CircuitBreaker('anthropic', { clock, failureThreshold: 2, openMs: 500, successThreshold: 1 });
    const events: unknown[] = [];
    breaker.onStateChange.on((event) => events.push(event));
    failCalls(breaker, 2);
    clock.advance(500);
    breaker.tryAcquirePermit();
    breaker.onFailure(breaker.tryAcquirePermit(), serverError(), 5);
    clock.advance(500);
    succeedCalls(breaker, 1);
    const base = { type: 'breaker_state_change', service: 'anthropic' };
    expect(events).toEqual([
      { ...base, at: 1_000_000, from: 'closed', to: 'open', reason: 'failures', failures: 2, openMs: 500 },
      { ...base, at: 1_000_500, from: 'open', to: 'half_open', reason: 'open_elapsed', failures: 0 },
      { ...base, at: 1_000_500, from: 'half_open', to: 'open', reason: 'probe_failed', failures: 3, openMs: 500 },
      { ...base, at: 1_001_000, from: 'open', to: 'half_open', reason: 'open_elapsed', failures: 0 },
      { ...base, at: 1_001_000, from: 'half_open', to: 'closed', reason: 'probes_succeeded', failures: 0 },
    ]);
    expect(breaker.stats().transitions).toBe(5);
  });

  it('retryAfterMs: 0 closed, the rest of openMs when open, 0 half-open with a free slot', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 2_000, halfOpenMaxCalls: 2, halfOpenProbeTimeoutMs: 10_000 });
    expect(breaker.retryAfterMs()).toBe(0);
    failCalls(breaker, 1);
    expect(breaker.retryAfterMs()).toBe(2_000);
    clock.advance(1_500);
    expect(breaker.retryAfterMs()).toBe(500);
    expect(breaker.stats().nextProbeInMs).toBe(500);
    clock.advance(500);
    expect(breaker.retryAfterMs()).toBe(0);
    breaker.tryAcquirePermit();
    expect(breaker.retryAfterMs()).toBe(0);
    breaker.tryAcquirePermit();
    clock.advance(4_000);
    expect(breaker.retryAfterMs()).toBe(6_000); // until the oldest probe would be declared hung
  });

  it('stats report the seeds fields with wall times', () => {
    const clock = new ManualClock({ wallTimeMs: 5_000_000 });
    const breaker = new CircuitBreaker('deepseek', { clock, failureThreshold: 2, openMs: 1_000 });
    expect(breaker.stats()).toMatchObject({ name: 'deepseek', state: 'closed', lastFailureTime: null, openedAt: null, nextProbeInMs: null });
    clock.advance(100);
    failCalls(breaker, 2);
    expect(breaker.stats()).toMatchObject({
      state: 'open',
      failureCount: 2,
      lastFailureTime: 5_000_100,
      openedAt: 5_000_100,
      nextProbeInMs: 1_000,
      totalFailures: 2,
      totalSuccesses: 0,
      transitions: 1,
      trips: 1,
    });
  });

  it('a listener that throws does not break the breaker', () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    breaker.onStateChange.on(() => {
      throw new Error('listener bug');
    });
    expect(() => failCalls(breaker, 1)).not.toThrow();
    expect(breaker.state).toBe('open');
  });
});

describe('CircuitBreaker.execute', () => {
  it('returns the value, records the success, and rethrows a failure after counting it', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 2 });
    await expect(breaker.execute(async () => 42)).resolves.toBe(42);
    const boom = serverError();
    await expect(breaker.execute(() => Promise.reject(boom))).rejects.toBe(boom);
    await expect(
      breaker.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(breaker.state).toBe('open');
    expect(breaker.stats()).toMatchObject({ totalSuccesses: 1, totalFailures: 2 });
  });

  it('measures the duration on the injected clock (slow-call detection)', async () => {
    const { breaker, clock } = makeBreaker({ slowCallDurationMs: 1_000, minimumThroughput: 1 });
    await breaker.execute(async () => {
      clock.advance(1_001);
    });
    expect(breaker.state).toBe('open');
  });
});
