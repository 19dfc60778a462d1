/** AbortSignal plumbing in one place: every sleep and wait ends at once when its signal aborts. */
import type { Clock } from './clock.js';

/** The error a cancelled operation rejects with: the signal's own reason, or a standard AbortError. */
export function abortReason(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}

/**
 * Waits `ms` on `clock`. Rejects with the signal's reason as soon as it aborts (also when it is
 * already aborted), and leaves no timer or listener behind either way.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (!(ms > 0)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimer(timer);
      reject(abortReason(signal!));
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
