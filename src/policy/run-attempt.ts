/**
 * Runs one attempt under a timeout and the caller's signal. Without either, the function is
 * simply awaited (no timer, no controller); with them, the attempt settles as soon as the timeout
 * fires or the caller aborts, even if the function ignores its signal.
 */
import { abortReason } from '../core/abort.js';
import type { Clock } from '../core/clock.js';
import { AttemptTimeoutError } from '../core/errors.js';
import type { Attempt } from './attempt-context.js';

export function runAttempt<T>(
  fn: (context: Attempt) => Promise<T> | T,
  attempt: Attempt,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  clock: Clock,
): Promise<T> {
  if (timeoutMs === Infinity && callerSignal === undefined) return Promise.resolve(fn(attempt));
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    attempt.signal = controller.signal;
    let settled = false;
    let timer: unknown;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      if (timer !== undefined) clock.clearTimer(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      return true;
    };
    const onCallerAbort = (): void => {
      const reason = abortReason(callerSignal!);
      controller.abort(reason);
      if (finish()) reject(reason);
    };
    if (timeoutMs !== Infinity) {
      timer = clock.setTimer(() => {
        const error = new AttemptTimeoutError(attempt.service, timeoutMs);
        controller.abort(error);
        if (finish()) reject(error);
      }, timeoutMs);
    }
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(fn(attempt));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => finish() && resolve(value),
      (error: unknown) => finish() && reject(error),
    );
  });
}
