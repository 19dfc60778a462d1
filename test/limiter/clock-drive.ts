/**
 * Running limiter tests on a ManualClock: time moves only when the test moves it, so a promise
 * that waits on the limiter is driven, timer by timer, until it settles. And the same tests in real
 * time, for a store that keeps its own clock (Redis).
 */
import { type Clock, ManualClock, systemClock } from '../../src/core/clock.js';

/** Resolves after `ms` on `clock` (a real sleep on the system clock, a timer on a ManualClock). */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(resolve, ms));
}

/** An AbortSignal aborted after `ms` on `clock` (AbortSignal.timeout reads real time). */
export function timeoutSignal(clock: Clock, ms: number): AbortSignal {
  const controller = new AbortController();
  clock.setTimer(() => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms);
  return controller.signal;
}

/**
 * Advances `clock` from timer to timer (each fires at its own time, promise callbacks running in
 * between) until `promise` settles; throws when nothing is left to fire, or past `limitMs`.
 */
export async function drive<T>(clock: ManualClock, promise: Promise<T>, limitMs = 120_000): Promise<T> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  const start = clock.now();
  await clock.advanceAsync(0);
  while (!done) {
    const next = clock.nextTimerAt;
    if (next === undefined) throw new Error(`stalled at ${clock.now() - start} ms: no timer left and the promise is pending`);
    if (next - start > limitMs) throw new Error(`still pending after ${limitMs} ms of clock time`);
    await clock.advanceAsync(Math.max(0, next - clock.now()));
  }
  return promise;
}

/** A test's time: its clock, letting `ms` pass, and waiting for a promise while time passes. */
export interface Time {
  readonly clock: Clock;
  /** True on a ManualClock: every duration is exact. */
  readonly exact: boolean;
  advance(ms: number): Promise<void>;
  /** Resolves (or rejects) as `promise` does, letting time pass meanwhile. */
  until<T>(promise: Promise<T>): Promise<T>;
}

/** A ManualClock, moved by the test. */
export function manualTime(startMs = 1_000_000): Time {
  const clock = new ManualClock({ startMs });
  return { clock, exact: true, advance: (ms) => clock.advanceAsync(ms), until: (promise) => drive(clock, promise) };
}

/** Real time (for Redis, which keeps its own clock): advancing is sleeping. */
export const realTime: Time = { clock: systemClock, exact: false, advance: (ms) => sleepOn(systemClock, ms), until: (promise) => promise };
