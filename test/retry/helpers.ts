import { type ManualClock, flushMicrotasks } from '../../src/core/clock.js';

/** Runs the clock from timer to timer until `promise` settles; no real time passes. */
export async function driveClock<T>(clock: ManualClock, promise: Promise<T>, maxSteps = 1_000): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let step = 0; step < maxSteps && !settled; step++) {
    await flushMicrotasks();
    const next = clock.nextTimerAt;
    if (next !== undefined) await clock.advanceAsync(next - clock.now());
  }
  return promise;
}

/** Random numbers from a fixed list, cycling. */
export function sequenceRandom(...values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length]!;
}

/** An HTTP-shaped error as the official SDKs throw them. */
export function httpError(status: number, headers?: Record<string, string> | Headers, body?: unknown): Error & { status: number } {
  return Object.assign(new Error(`HTTP ${status}`), { status, headers, error: body });
}
