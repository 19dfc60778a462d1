/**
 * Every timer the server sets goes through one registry, so that `close()` clears them all and
 * no handle outlives the server.
 */
import type { MockClock } from './clock.js';

/** Tracks the timers set on a clock; `clearAll()` cancels every pending one. */
export class TimerRegistry {
  private readonly pending = new Map<number, unknown>();
  private nextId = 1;

  constructor(private readonly clock: MockClock) {}

  /** Runs `callback` once after `delayMs`; returns an id for {@link clear}. */
  set(callback: () => void, delayMs: number): number {
    const id = this.nextId++;
    const handle = this.clock.setTimer(() => {
      this.pending.delete(id);
      callback();
    }, delayMs);
    this.pending.set(id, handle);
    return id;
  }

  clear(id: number | undefined): void {
    if (id === undefined) return;
    const handle = this.pending.get(id);
    if (handle === undefined) return;
    this.pending.delete(id);
    this.clock.clearTimer(handle);
  }

  clearAll(): void {
    for (const handle of this.pending.values()) this.clock.clearTimer(handle);
    this.pending.clear();
  }

  /**
   * Waits `delayMs`; resolves true when the time passed, false at once when `signal` aborts. A
   * delay of zero or less resolves without a timer, so a manual clock never has to be advanced
   * for it.
   */
  delay(delayMs: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (!(delayMs > 0)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = () => {
        this.clear(id);
        resolve(false);
      };
      const id = this.set(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, delayMs);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
