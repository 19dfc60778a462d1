/** Messages between the fleet parent and its worker processes (over the fork IPC channel). */

export type ToWorker = { type: 'start'; atEpochMs: number; durationMs: number };

export type FromWorker =
  | { type: 'ready' }
  | {
      type: 'done';
      /** Wall-clock ms of each admission, as the worker saw it granted. */
      admissions: number[];
      /** Per admission, the end of the fixed window it counted in (rate-limiter-flexible only; else empty). */
      windowEnds: number[];
      /** Calls that failed other than by waiting (errors, timeouts), and the first one's message. */
      failures: number;
      firstFailure: string | undefined;
    }
  | { type: 'failed'; message: string };

/** Wall-clock ms with sub-ms precision; every process on one host reads the same clock. */
export const wallNow = (): number => performance.timeOrigin + performance.now();
