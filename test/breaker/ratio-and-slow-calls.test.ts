import { describe, it, expect } from 'vitest';
import { FailureRatioPolicy, RollingWindow } from '../../src/breaker/index.js';
import { failCalls, makeBreaker, succeedCalls, transitions } from './helpers.js';

describe('ratio mode', () => {
  it('does not open below minimumThroughput, whatever the ratio', () => {
    const { breaker } = makeBreaker({ failureRatio: 0.5, minimumThroughput: 10, samplingWindowMs: 10_000 });
    failCalls(breaker, 9);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ failureCount: 9, windowCalls: 9, consecutiveFailures: 9 });
    failCalls(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('opens when failures / calls reaches failureRatio exactly, not before', () => {
    const { breaker, events } = makeBreaker({ failureRatio: 0.1, minimumThroughput: 30, samplingWindowMs: 10_000 });
    succeedCalls(breaker, 27);
    failCalls(breaker, 2);
    succeedCalls(breaker, 1);
    expect(breaker.state).toBe('closed'); // 2 / 30
    failCalls(breaker, 1); // 3 / 31 < 0.1
    expect(breaker.state).toBe('closed');
    const { breaker: exact } = makeBreaker({ failureRatio: 0.1, minimumThroughput: 30, samplingWindowMs: 10_000 });
    succeedCalls(exact, 27);
    failCalls(exact, 3); // 3 / 30 is 0.1: floating point must not hide it
    expect(exact.state).toBe('open');
    expect(events).toEqual([]);
  });

  it('ignores failureThreshold: interleaved successes no longer protect a failing service', () => {
    const { breaker, events } = makeBreaker({ failureRatio: 0.5, minimumThroughput: 4, samplingWindowMs: 10_000, failureThreshold: 100 });
    for (let i = 0; i < 2; i++) {
      failCalls(breaker, 1);
      succeedCalls(breaker, 1);
    }
    expect(breaker.state).toBe('open');
    expect(events[0]).toMatchObject({ reason: 'failure_ratio', failures: 2 });
  });

  it('forgets outcomes that left the sampling window', () => {
    const { breaker, clock } = makeBreaker({ failureRatio: 0.5, minimumThroughput: 4, samplingWindowMs: 10_000 });
    failCalls(breaker, 3);
    clock.advance(10_000);
    expect(breaker.stats()).toMatchObject({ failureCount: 0, windowCalls: 0 });
    failCalls(breaker, 1);
    expect(breaker.state).toBe('closed'); // 1 call in the window, below the throughput
    succeedCalls(breaker, 2);
    failCalls(breaker, 1);
    expect(breaker.state).toBe('open'); // 2 / 4
  });

  it('evicts bucket by bucket as the window slides', () => {
    const { breaker, clock } = makeBreaker({ failureRatio: 0.5, minimumThroughput: 4, samplingWindowMs: 10_000 });
    failCalls(breaker, 1); // bucket [0, 1000)
    clock.advance(5_000);
    failCalls(breaker, 1); // bucket [5000, 6000)
    clock.advance(4_999);
    expect(breaker.stats().windowCalls).toBe(2);
    clock.advance(1); // t = 10_000: the first bucket leaves
    expect(breaker.stats().windowCalls).toBe(1);
    clock.advance(5_000);
    expect(breaker.stats().windowCalls).toBe(0);
  });

  it('costs O(1): 100k failures leave the window at its fixed ten buckets', () => {
    const { breaker, clock } = makeBreaker({ failureRatio: 1, minimumThroughput: 1_000_000, samplingWindowMs: 1_000 });
    const policy = (breaker as unknown as { failures: FailureRatioPolicy }).failures;
    expect(policy).toBeInstanceOf(FailureRatioPolicy);
    const buckets = (policy.window as unknown as { bucketCalls: Float64Array }).bucketCalls;
    for (let i = 0; i < 100_000; i++) {
      failCalls(breaker, 1);
      clock.advance(7);
    }
    expect(policy.window.bucketCount).toBe(RollingWindow.BUCKETS);
    expect((policy.window as unknown as { bucketCalls: Float64Array }).bucketCalls).toBe(buckets);
    expect(buckets.length).toBe(10);
    expect(breaker.stats().windowCalls).toBeLessThanOrEqual(Math.ceil(1_000 / 7) + 1);
    expect(breaker.state).toBe('closed');
  });

  it('in ratio mode, half-open still closes on successThreshold and re-opens on a failure', () => {
    const { breaker, clock, events } = makeBreaker({ failureRatio: 0.5, minimumThroughput: 2, samplingWindowMs: 10_000, openMs: 1_000 });
    failCalls(breaker, 2);
    clock.advance(1_000);
    failCalls(breaker, 1);
    clock.advance(1_000);
    succeedCalls(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ windowCalls: 0, failureCount: 0 }); // a closed circuit starts afresh
    expect(transitions(events)).toEqual([
      'closed→open (failure_ratio)',
      'open→half_open (open_elapsed)',
      'half_open→open (probe_failed)',
      'open→half_open (open_elapsed)',
      'half_open→closed (probes_succeeded)',
    ]);
  });
});

describe('slow-call detection', () => {
  it('opens when slow calls / calls reaches slowCallRatio, successes included', () => {
    const { breaker, events } = makeBreaker({ slowCallDurationMs: 5_000, slowCallRatio: 0.5, minimumThroughput: 4 });
    succeedCalls(breaker, 2, 100);
    succeedCalls(breaker, 1, 5_000); // not longer than the threshold: not slow
    succeedCalls(breaker, 1, 5_001);
    expect(breaker.state).toBe('closed'); // 1 / 4
    succeedCalls(breaker, 1, 30_000);
    expect(breaker.state).toBe('closed'); // 2 / 5
    succeedCalls(breaker, 1, 30_000);
    expect(breaker.state).toBe('open'); // 3 / 6
    expect(events[0]).toMatchObject({ reason: 'slow_calls', failures: 3 });
    expect(breaker.stats()).toMatchObject({ windowSlowCalls: 3, windowCalls: 6 });
  });

  it('works beside consecutive mode, which still opens on failures', () => {
    const { breaker, events } = makeBreaker({ slowCallDurationMs: 1_000, failureThreshold: 2, minimumThroughput: 100 });
    failCalls(breaker, 2, 10);
    expect(events[0]).toMatchObject({ reason: 'failures' });
  });

  it('setting only slowCallRatio turns detection on with a 60 s duration', () => {
    const { breaker } = makeBreaker({ slowCallRatio: 0.5, minimumThroughput: 1 });
    succeedCalls(breaker, 1, 60_000);
    expect(breaker.state).toBe('closed');
    succeedCalls(breaker, 1, 60_001);
    expect(breaker.state).toBe('open');
  });

  it('a slow probe re-opens the circuit: the service is still degraded', () => {
    const { breaker, clock, events } = makeBreaker({ slowCallDurationMs: 1_000, minimumThroughput: 1, openMs: 500 });
    succeedCalls(breaker, 1, 2_000);
    clock.advance(500);
    succeedCalls(breaker, 1, 2_000);
    expect(breaker.state).toBe('open');
    expect(transitions(events).at(-1)).toBe('half_open→open (slow_calls)');
    clock.advance(500);
    succeedCalls(breaker, 2, 100);
    expect(breaker.state).toBe('closed');
  });
});

describe('growing open time', () => {
  it('multiplies openMs by openBackoffFactor per trip, caps it at maxOpenMs, and starts over once closed', () => {
    const { breaker, clock, events } = makeBreaker({ failureThreshold: 1, successThreshold: 1, openMs: 1_000, openBackoffFactor: 2, maxOpenMs: 5_000 });
    const openTimes: number[] = [];
    failCalls(breaker, 1);
    for (let trip = 0; trip < 5; trip++) {
      openTimes.push(breaker.retryAfterMs());
      clock.advance(breaker.retryAfterMs());
      failCalls(breaker, 1); // the probe fails
    }
    openTimes.push(breaker.retryAfterMs());
    expect(openTimes).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
    expect(events.filter((e) => e.to === 'open').map((e) => e.openMs)).toEqual(openTimes);
    expect(breaker.stats()).toMatchObject({ trips: 6, openMs: 5_000 });
    clock.advance(5_000);
    succeedCalls(breaker, 1);
    expect(breaker.stats()).toMatchObject({ state: 'closed', trips: 0, openMs: 1_000 });
    failCalls(breaker, 1);
    expect(breaker.retryAfterMs()).toBe(1_000);
  });

  it('is off by default: every trip opens for openMs', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 1_000 });
    failCalls(breaker, 1);
    for (let trip = 0; trip < 3; trip++) {
      clock.advance(1_000);
      failCalls(breaker, 1);
      expect(breaker.retryAfterMs()).toBe(1_000);
    }
  });

  it('defaults maxOpenMs to ten times openMs', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 1_000, openBackoffFactor: 100 });
    failCalls(breaker, 1);
    clock.advance(1_000);
    failCalls(breaker, 1);
    expect(breaker.retryAfterMs()).toBe(10_000);
  });
});
