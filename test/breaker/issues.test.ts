/** Regression tests named after the bugs our peers shipped (see PITFALLS.md, "Breaking"). */
import { describe, it, expect } from 'vitest';
import { CircuitBreakerError, ConfigError, ProviderError, QuotaExceededError, RateLimitExceededError } from '../../src/core/errors.js';
import { failCalls, makeBreaker, succeedCalls, transitions } from './helpers.js';

describe('resilience4j#935 / opossum#276: a hung probe cannot hold the circuit half-open', () => {
  it('declares the oldest probe failed once every slot is taken and it is older than halfOpenProbeTimeoutMs', () => {
    const { breaker, clock, events } = makeBreaker({ failureThreshold: 1, openMs: 1_000, halfOpenMaxCalls: 2, halfOpenProbeTimeoutMs: 30_000 });
    failCalls(breaker, 1);
    clock.advance(1_000);
    const hung = [breaker.tryAcquirePermit(), breaker.tryAcquirePermit()]; // never answer
    clock.advance(29_999);
    expect(breaker.tryAcquirePermit()).toBe(-1);
    expect(breaker.state).toBe('half_open');
    clock.advance(1);
    expect(breaker.state).toBe('open'); // read, not a timer
    expect(events.at(-1)).toMatchObject({ from: 'half_open', to: 'open', reason: 'probe_timeout', failures: 2 });
    // The circuit moves on: after openMs new probes go through and can close it.
    clock.advance(1_000);
    succeedCalls(breaker, 2);
    expect(breaker.state).toBe('closed');
    // The hung calls answering at last are stale: they change nothing.
    for (const epoch of hung) breaker.onFailure(epoch, new ProviderError('openai', 'timeout', 'late', 504), 60_000);
    expect(breaker.state).toBe('closed');
    expect(transitions(events)).toEqual([
      'closed→open (failures)',
      'open→half_open (open_elapsed)',
      'half_open→open (probe_timeout)',
      'open→half_open (open_elapsed)',
      'half_open→closed (probes_succeeded)',
    ]);
  });

  it('detects it on the next permit request too, and a single hung probe with one slot', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 1_000, halfOpenMaxCalls: 1, halfOpenProbeTimeoutMs: 5_000 });
    failCalls(breaker, 1);
    clock.advance(1_000);
    breaker.tryAcquirePermit();
    clock.advance(5_000 + 1_000); // timed out 1 s ago: the open time since then is over
    expect(breaker.tryAcquirePermit()).toBeGreaterThanOrEqual(0);
    expect(breaker.stats()).toMatchObject({ state: 'half_open', probesInFlight: 1, transitions: 4 });
  });

  it('does not time out a probe while a slot is still free (there is no starvation to break)', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 1_000, halfOpenMaxCalls: 2, halfOpenProbeTimeoutMs: 5_000 });
    failCalls(breaker, 1);
    clock.advance(1_000);
    breaker.tryAcquirePermit();
    clock.advance(60_000);
    expect(breaker.state).toBe('half_open');
  });

  it('never declares a probe hung early when an older one finished first', () => {
    const { breaker, clock } = makeBreaker({ failureThreshold: 1, openMs: 1_000, halfOpenMaxCalls: 2, halfOpenProbeTimeoutMs: 10_000, successThreshold: 5 });
    failCalls(breaker, 1);
    clock.advance(1_000);
    const first = breaker.tryAcquirePermit(); // started at +0
    clock.advance(8_000);
    breaker.tryAcquirePermit(); // +8 s
    breaker.onSuccess(first, 8_000);
    clock.advance(1_000);
    breaker.tryAcquirePermit(); // +9 s, slots full again
    clock.advance(5_000); // +14 s: the oldest probe in flight is 6 s old
    expect(breaker.state).toBe('half_open');
    clock.advance(4_000); // +18 s: 10 s old
    expect(breaker.state).toBe('open');
  });
});

describe('litellm#41223 / #5225: client-caused failures never count against a provider', () => {
  const abortError = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
  const clientCaused: Array<[string, unknown]> = [
    ['a caller abort', abortError],
    ['a 400 bad request', Object.assign(new Error('invalid model'), { status: 400 })],
    ['a 429 rate limit', Object.assign(new Error('Rate limit reached for requests'), { status: 429 })],
    ['a content-policy 400 (#5225)', Object.assign(new Error('blocked'), { status: 400, code: 'content_policy_violation' })],
    ['a content filter', new ProviderError('openai', 'content_filter', 'content filtered', 400)],
    ['an auth error', Object.assign(new Error('bad key'), { status: 401 })],
    ['a context-length error', Object.assign(new Error('too long'), { status: 400, code: 'context_length_exceeded' })],
    ['quota exhausted', new QuotaExceededError('openai', 'insufficient_quota')],
    ['our own CircuitBreakerError', new CircuitBreakerError('openai', 1_000, 'open')],
    ['our own RateLimitExceededError', new RateLimitExceededError('openai', 'tokensPerMinute', 500, 'timeout')],
    ['our own ConfigError', new ConfigError('circuitBreaker.openMs', -1, 'a duration')],
  ];

  for (const [what, error] of clientCaused) {
    it(`${what} is ignored: no failure counted, a closed circuit stays closed`, () => {
      const { breaker } = makeBreaker({ failureThreshold: 1 });
      for (let i = 0; i < 10; i++) breaker.onFailure(breaker.tryAcquirePermit(), error, 10);
      expect(breaker.stats()).toMatchObject({ state: 'closed', totalFailures: 0, totalIgnored: 10, lastFailureTime: null });
    });
  }

  it('in ratio mode too', () => {
    const { breaker } = makeBreaker({ failureRatio: 0.1, minimumThroughput: 1 });
    for (const [, error] of clientCaused) breaker.onFailure(breaker.tryAcquirePermit(), error, 10);
    expect(breaker.stats()).toMatchObject({ state: 'closed', windowCalls: 0, failureCount: 0 });
  });

  it('the caller’s own timeout (an aborted signal) is ignored by execute, even as a TimeoutError (#41223)', async () => {
    const { breaker } = makeBreaker({ failureThreshold: 1 });
    const controller = new AbortController();
    const callerTimeout = Object.assign(new Error('The operation timed out'), { name: 'TimeoutError' });
    controller.abort(callerTimeout);
    await expect(breaker.execute(() => Promise.reject(callerTimeout), { signal: controller.signal })).rejects.toBe(callerTimeout);
    expect(breaker.stats()).toMatchObject({ state: 'closed', totalFailures: 0, totalIgnored: 1 });
  });

  it('server errors, timeouts, network errors and overload do count', () => {
    const counted: unknown[] = [
      Object.assign(new Error('Internal Server Error'), { status: 500 }),
      Object.assign(new Error('overloaded'), { status: 529 }),
      Object.assign(new Error('gateway timeout'), { status: 504 }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ];
    const { breaker } = makeBreaker({ failureThreshold: counted.length });
    for (const error of counted) breaker.onFailure(breaker.tryAcquirePermit(), error, 10);
    expect(breaker.state).toBe('open');
  });

  it('isFailure replaces the default decision and receives the classified kind', () => {
    const seen: string[] = [];
    const { breaker } = makeBreaker({
      failureThreshold: 1,
      isFailure: (_error, kind) => {
        seen.push(kind);
        return kind === 'rate_limited';
      },
    });
    breaker.onFailure(breaker.tryAcquirePermit(), Object.assign(new Error('boom'), { status: 500 }), 10);
    expect(breaker.state).toBe('closed');
    breaker.onFailure(breaker.tryAcquirePermit(), Object.assign(new Error('slow down'), { status: 429 }), 10);
    expect(breaker.state).toBe('open');
    expect(seen).toEqual(['server_error', 'rate_limited']);
  });
});
