/** Shared fixtures for the breaker tests. */
import { CircuitBreaker, type BreakerStateChangeEvent, type CircuitBreakerOptions } from '../../src/breaker/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { ProviderError } from '../../src/core/errors.js';

/** A failure that counts: the provider answered 500. */
export const serverError = (): ProviderError => new ProviderError('openai', 'server_error', 'Internal Server Error', 500);

/** A breaker on a manual clock, with every state change recorded. */
export function makeBreaker(options: CircuitBreakerOptions = {}): { breaker: CircuitBreaker; clock: ManualClock; events: BreakerStateChangeEvent[] } {
  const clock = new ManualClock();
  const breaker = new CircuitBreaker('openai', { clock, ...options });
  const events: BreakerStateChangeEvent[] = [];
  breaker.onStateChange.on((event) => events.push(event));
  return { breaker, clock, events };
}

/** Permits and fails `count` calls, each taking `durationMs`. */
export function failCalls(breaker: CircuitBreaker, count: number, durationMs = 10): void {
  for (let i = 0; i < count; i++) {
    const epoch = breaker.tryAcquirePermit();
    if (epoch < 0) throw new Error(`call ${i} was refused`);
    breaker.onFailure(epoch, serverError(), durationMs);
  }
}

/** Permits and succeeds `count` calls, each taking `durationMs`. */
export function succeedCalls(breaker: CircuitBreaker, count: number, durationMs = 10): void {
  for (let i = 0; i < count; i++) {
    const epoch = breaker.tryAcquirePermit();
    if (epoch < 0) throw new Error(`call ${i} was refused`);
    breaker.onSuccess(epoch, durationMs);
  }
}

/** `from → to (reason)` of each event, for readable assertions. */
export const transitions = (events: readonly BreakerStateChangeEvent[]): string[] => events.map((e) => `${e.from}→${e.to} (${e.reason})`);
