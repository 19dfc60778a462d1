/**
 * The mock's time source. Structurally the same as the engine's `Clock`, so the engine's
 * `ManualClock` can drive the mock in tests, but written here so the mock stands alone.
 */

/** Time and timers of the mock server. */
export interface MockClock {
  /** Monotonic milliseconds; only differences matter. */
  now(): number;
  /** Milliseconds since the Unix epoch, for RFC 3339 reset times. Default: derived from `now()`. */
  wallTime?(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** setTimeout's ceiling; a longer delay would fire at once. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The real clock: `performance.now()` and `setTimeout`. */
export const systemMockClock: MockClock = {
  now: () => performance.now(),
  wallTime: () => performance.timeOrigin + performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS)),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Wall time of a clock that may not provide it: anchored to the real wall time at creation. */
export function wallTimeOf(clock: MockClock): () => number {
  if (clock.wallTime) return () => clock.wallTime!();
  const origin = performance.timeOrigin + performance.now() - clock.now();
  return () => origin + clock.now();
}
