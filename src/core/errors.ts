/**
 * Every error the library raises is a {@link ResilienceError}: a readable message plus the data
 * to act on. The `kind` says what happened in the vocabulary the retry, breaker and fallback
 * logic share (see `classify.ts`).
 */
import type { FailureKind } from './failure-kinds.js';
import { redactSecrets, redactValue } from './redact.js';

export abstract class ResilienceError extends Error {
  abstract readonly kind: FailureKind;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The message of any thrown value, without ever throwing (null-prototype objects, throwing getters). */
export function messageOf(error: unknown): string {
  try {
    if (error instanceof Error) return error.message;
    return typeof error === 'string' ? error : Object.prototype.toString.call(error) === '[object Object]' ? describeValue(error) : String(error);
  } catch {
    return 'unreadable error';
  }
}

/** Renders a configuration value for an error message, secrets masked (a mistyped option may hold an API key). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return redactSecrets(JSON.stringify(value));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  try {
    // Redacted before it is cut: a cut key would no longer look like one.
    const text = redactSecrets(JSON.stringify(redactValue(value)));
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** An option or configuration value is invalid: names the option, the value and what is valid. */
export class ConfigError extends ResilienceError {
  readonly kind = 'config' as const;
  /** The value refused, secrets masked: errors are logged and serialized whole. */
  readonly value: unknown;
  constructor(
    readonly path: string,
    value: unknown,
    readonly expected: string,
  ) {
    super(`Invalid ${path}: ${describeValue(value)} (expected ${expected})`);
    this.value = redactValue(value);
  }
}

/** The circuit of `service` is open (or isolated): the call was not made. */
export class CircuitBreakerError extends ResilienceError {
  readonly kind = 'circuit_open' as const;
  constructor(
    readonly service: string,
    /** How long until the circuit lets a probe through; Infinity when isolated by hand. */
    readonly retryAfterMs: number,
    readonly state: 'open' | 'isolated' | 'half_open',
  ) {
    super(
      state === 'isolated'
        ? `Circuit '${service}' is isolated; call resetCircuitBreaker('${service}') to close it`
        : state === 'half_open'
          ? `Circuit '${service}' is half-open and its probe slots are taken; retry in ${Math.ceil(retryAfterMs)} ms`
          : `Circuit '${service}' is open; next probe in ${Math.ceil(retryAfterMs)} ms`,
    );
  }
}

/** Why the local limiter refused a request. */
export type RateLimitRejection = 'timeout' | 'queue_full' | 'never_fits' | 'paused';

/** The local rate limiter could not admit the request within its allowed wait. */
export class RateLimitExceededError extends ResilienceError {
  readonly kind = 'limiter_rejected' as const;
  constructor(
    readonly service: string,
    /** The dimension that held the request, e.g. `tokensPerMinute` or `maxConcurrent`. */
    readonly dimension: string,
    /** When the request would have fit, from the moment of the rejection (Infinity if never). */
    readonly retryAfterMs: number,
    readonly reason: RateLimitRejection,
    detail?: string,
  ) {
    super(RateLimitExceededError.describe(service, dimension, retryAfterMs, reason, detail));
  }

  private static describe(service: string, dimension: string, retryAfterMs: number, reason: RateLimitRejection, detail?: string): string {
    const when = Number.isFinite(retryAfterMs) ? `it would fit in ${Math.ceil(retryAfterMs)} ms` : 'it can never fit';
    const why =
      reason === 'timeout'
        ? 'waited the maximum allowed time'
        : reason === 'queue_full'
          ? 'the wait queue is full'
          : reason === 'paused'
            ? 'the provider asked to pause (retry-after)'
            : 'the request is larger than the limit';
    return `Rate limit '${dimension}' of '${service}': ${why}; ${when}${detail ? ` (${detail})` : ''}`;
  }
}

/** The account is out of quota or credit (billing), not throttled: retrying cannot help. */
export class QuotaExceededError extends ResilienceError {
  readonly kind = 'quota_exhausted' as const;
  constructor(
    readonly service: string,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(`Quota exhausted for '${service}': ${message}`, options);
    this.status = options?.status;
  }
  readonly status: number | undefined;
}

/** An error answered by a provider (or met on the way to it), classified. */
export class ProviderError extends ResilienceError {
  constructor(
    readonly provider: string,
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    /** The wait the provider asked for (retry-after), if any. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One attempt took longer than its `timeoutMs`. */
export class AttemptTimeoutError extends ResilienceError {
  readonly kind = 'timeout' as const;
  constructor(
    readonly service: string,
    readonly timeoutMs: number,
  ) {
    super(`Attempt on '${service}' timed out after ${timeoutMs} ms`);
  }
}

/** One failed attempt, as kept by {@link RetryExhaustedError}. */
export interface AttemptFailure {
  readonly attempt: number;
  readonly kind: FailureKind;
  readonly error: unknown;
  /** Delay scheduled after this attempt, if one was. */
  readonly delayMs?: number;
}

/** Why the retry loop stopped while the error was still retryable. */
export type RetryStopReason = 'max_retries' | 'budget' | 'deadline' | 'retry_after_too_long';

/** Retries ran out (or were cut short by the budget, the deadline, or a retry-after over the cap). */
export class RetryExhaustedError extends ResilienceError {
  readonly kind: FailureKind;
  constructor(
    readonly service: string,
    readonly attempts: readonly AttemptFailure[],
    readonly reason: RetryStopReason,
    /** For `retry_after_too_long` and `deadline`: the wait that was not slept. */
    readonly retryAfterMs?: number,
  ) {
    const last = attempts[attempts.length - 1];
    const lastMessage = messageOf(last?.error);
    const why =
      reason === 'max_retries'
        ? `gave up after ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}`
        : reason === 'budget'
          ? `retry budget spent after ${attempts.length} attempt${attempts.length === 1 ? '' : 's'}`
          : reason === 'deadline'
            ? `no time left before the deadline for a wait of ${Math.ceil(retryAfterMs ?? 0)} ms`
            : `the provider asked to wait ${Math.ceil(retryAfterMs ?? 0)} ms, longer than the allowed maximum`;
    super(`'${service}': ${why}; last error: ${lastMessage}`, { cause: last?.error });
    this.kind = last?.kind ?? 'unknown';
  }
}

/** One provider's failure, as kept by {@link AllProvidersFailedError}. */
export interface ProviderFailureRecord {
  readonly provider: string;
  readonly kind: FailureKind;
  readonly error: unknown;
}

/** Every candidate provider failed (or was skipped); each one's cause is kept. */
export class AllProvidersFailedError extends ResilienceError {
  readonly kind: FailureKind;
  constructor(readonly failures: readonly ProviderFailureRecord[]) {
    super(
      failures.length === 0
        ? 'No provider could serve the request: none is configured and available'
        : `All providers failed: ${failures.map((f) => `${f.provider} (${f.kind}: ${messageOf(f.error)})`).join('; ')}`,
      { cause: failures[failures.length - 1]?.error },
    );
    this.kind = failures[failures.length - 1]?.kind ?? 'unknown';
  }
}

/** A stream failed after part of the answer had reached the caller: it is not retried or resumed. */
export class StreamInterruptedError extends ResilienceError {
  readonly kind = 'stream_interrupted' as const;
  constructor(
    readonly provider: string,
    /** Characters of content delivered before the failure. */
    readonly deliveredChars: number,
    cause: unknown,
  ) {
    super(`The stream from '${provider}' broke after ${deliveredChars} characters of content: ${messageOf(cause)}`, { cause });
  }
}

/** The limiter or pipeline was closed (graceful shutdown): the request was not sent. */
export class ShutdownError extends ResilienceError {
  readonly kind = 'aborted' as const;
  constructor(readonly service: string) {
    super(`'${service}' is closed: the request was not sent`);
  }
}

/** Why a shared store call failed: no answer in time, or the store (or its client) reported an error. */
export type StoreFailure = 'timeout' | 'error' | 'bad_reply';

/**
 * The shared store (Redis) failed or did not answer within its timeout. It says nothing about the
 * provider's limits, so it is never a rate-limit error (firecrawl#3728): the limiter decides what
 * to do by its fail mode (fall back to a local share, fail open, or fail closed with this error).
 */
export class StoreError extends ResilienceError {
  readonly kind = 'store' as const;
  constructor(
    /** The store operation, e.g. `admit` or `settle`. */
    readonly operation: string,
    readonly reason: StoreFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Shared store ${operation} failed (${reason}): ${message}`, options);
  }
}
