/**
 * Every wait, timer and timestamp in the engine goes through a Clock, so that tests of limits,
 * breakers and backoff run deterministically (see {@link ManualClock}) and the engine runs on any
 * runtime with `performance.now()` and `setTimeout` (Node, Deno, Bun, browsers, edge workers).
 */
export type TimerHandle = unknown;

export interface Clock {
  /** Monotonic milliseconds (never goes backwards). Only differences are meaningful. */
  now(): number;
  /** Milliseconds since the Unix epoch: for HTTP dates, day boundaries and log timestamps. */
  wallTime(): number;
  /** Runs `callback` once after `delayMs`. */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** setTimeout's ceiling (2^31 - 1 ms); a longer delay would fire at once. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

const clampDelay = (delayMs: number): number =>
  delayMs > 0 ? (delayMs < MAX_TIMER_DELAY_MS ? delayMs : MAX_TIMER_DELAY_MS) : 0;

/** The real clock: `performance.now()` for intervals, `Date.now()` for wall time. */
export const systemClock: Clock = {
  now: () => performance.now(),
  // eslint-disable-next-line no-restricted-syntax -- the one place that reads the wall clock
  wallTime: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, clampDelay(delayMs)),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

/** Timers one instant may fire before {@link ManualClock} calls it a runaway loop. */
const RUNAWAY_TIMERS = 100_000;

/**
 * A clock that only moves when told to. Timers fire in due order, each at its own time, when the
 * clock is advanced past them.
 *
 * ```ts
 * const clock = new ManualClock();
 * const limiter = new RateLimiter({ requestsPerMinute: 60, clock });
 * await clock.advanceAsync(1_000); // one second passes, pending waiters run
 * ```
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly wallOrigin: number;
  private timers: ManualTimer[] = [];
  private nextId = 1;
  /** Timers fired since time last moved: a runaway loop of zero-delay timers would never end. */
  private firedAtThisInstant = 0;
  private fired = 0;

  constructor(options: { startMs?: number; wallTimeMs?: number } = {}) {
    this.current = options.startMs ?? 0;
    this.wallOrigin = (options.wallTimeMs ?? Date.UTC(2026, 0, 1)) - this.current;
  }

  now(): number {
    return this.current;
  }

  wallTime(): number {
    return this.wallOrigin + this.current;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer: ManualTimer = { id: this.nextId++, dueAt: this.current + clampDelay(delayMs), callback };
    // Keep sorted by due time, then by creation, so equal due times fire in the order they were set.
    let index = this.timers.length;
    while (index > 0 && this.timers[index - 1]!.dueAt > timer.dueAt) index--;
    this.timers.splice(index, 0, timer);
    return timer.id;
  }

  clearTimer(handle: TimerHandle): void {
    const index = this.timers.findIndex((t) => t.id === handle);
    if (index >= 0) this.timers.splice(index, 1);
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Timers fired so far: a bound for loops that run until none is pending. */
  get firedTimers(): number {
    return this.fired;
  }

  /** Due time of the next timer, or undefined. */
  get nextTimerAt(): number | undefined {
    return this.timers[0]?.dueAt;
  }

  /** Moves time forward by `ms`, firing due timers synchronously, each at its own due time. */
  advance(ms: number): void {
    const target = this.current + ms;
    while (this.fireNextDue(target));
    this.current = target;
  }

  /**
   * Like {@link advance}, but lets promise callbacks run after each timer (and before the first),
   * so code that awaits between timers behaves as it would in real time.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushMicrotasks();
    while (this.fireNextDue(target)) await flushMicrotasks();
    this.current = target;
    await flushMicrotasks();
  }

  /** Fires the next timer due by `target`, at its own time; false when there is none. */
  private fireNextDue(target: number): boolean {
    const next = this.timers[0];
    if (!next || next.dueAt > target) return false;
    this.timers.shift();
    this.fired++;
    if (next.dueAt > this.current) {
      this.current = next.dueAt;
      this.firedAtThisInstant = 0;
    } else if (++this.firedAtThisInstant > RUNAWAY_TIMERS) {
      // Real time would move on; a manual clock never does, so the loop would hang the test.
      throw new Error(`ManualClock: more than ${RUNAWAY_TIMERS} timers fired at ${this.current} ms without time moving (a timer loop re-arming itself at zero delay)`);
    }
    next.callback();
    return true;
  }
}

/** Lets every queued promise callback run (one macrotask turn). */
export function flushMicrotasks(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  return new Promise((resolve) => {
    if (g.setImmediate) g.setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/**
 * A real clock that runs `factor` times faster than real time: durations, limits and timers all
 * compress together. For time-compressed simulations and tests that must cover minutes of
 * provider time in seconds (the engine and the mock server share one, so they agree on time).
 */
export function scaledClock(factor: number, base: Clock = systemClock): Clock {
  if (!(factor > 0 && Number.isFinite(factor))) throw new RangeError(`scaledClock factor must be a finite number > 0, got ${factor}`);
  const realStart = base.now();
  const wallStart = base.wallTime();
  return {
    now: () => (base.now() - realStart) * factor,
    wallTime: () => wallStart + (base.now() - realStart) * factor,
    setTimer: (callback, delayMs) => base.setTimer(callback, delayMs / factor),
    clearTimer: (handle) => base.clearTimer(handle),
  };
}
