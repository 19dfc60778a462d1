/** The error every Redis store failure becomes: never a rate-limit error (firecrawl#3728). */
import { ResilienceError } from '../core/errors.js';

/** Why a store call failed: no answer in time, or Redis (or the client) reported an error. */
export type StoreFailure = 'timeout' | 'error' | 'bad_reply';

/**
 * The shared store (Redis) failed or did not answer within its timeout. It says nothing about the
 * provider's limits; the limiter decides what to do (fail open, closed, or fall back locally).
 */
export class StoreError extends ResilienceError {
  readonly kind = 'store' as const;
  constructor(
    /** The store operation, e.g. `admit` or `release`. */
    readonly operation: string,
    readonly reason: StoreFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Redis store ${operation} failed (${reason}): ${message}`, options);
  }
}
