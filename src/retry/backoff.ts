/**
 * Backoff delays as pure functions: `min(baseDelayMs × exponentialBase^attempt, maxDelayMs)`,
 * randomised by the jitter kinds of the AWS Architecture Blog's "Exponential Backoff And Jitter"
 * (the seeds' `min(base × exp^attempt + jitter, max)` with the jitter made precise). Every result
 * is finite and within [0, maxDelayMs] for any attempt: cockatiel#86 turned NaN and
 * Polly#2163 overflowed after many attempts.
 */
import { type BackoffOptions, type ResolvedBackoffOptions, resolveBackoffOptions } from './retry-options.js';

/** A source of uniform numbers in [0, 1), like (and by default) `Math.random`. */
export type RandomSource = () => number;

/**
 * `min(baseDelayMs × exponentialBase^attempt, maxDelayMs)`, without jitter. A negative or NaN
 * attempt counts as 0; a huge one gives `maxDelayMs`.
 */
export function cappedExponentialDelayMs(attempt: number, options: ResolvedBackoffOptions): number {
  const { baseDelayMs, maxDelayMs, exponentialBase } = options;
  if (baseDelayMs <= 0) return 0;
  // Capped at MAX_VALUE because Math.pow(1, Infinity) is NaN; with base > 0 an overflow is +Infinity.
  const exponent = attempt > 0 ? Math.min(attempt, Number.MAX_VALUE) : 0;
  const delayMs = baseDelayMs * Math.pow(exponentialBase, exponent);
  return delayMs < maxDelayMs ? delayMs : maxDelayMs;
}

/** An injected random source may misbehave; the delay must stay within bounds anyway. */
function unitRandom(random: RandomSource): number {
  const value = random();
  return value > 0 ? (value < 1 ? value : 1) : 0;
}

/**
 * The delay before retry number `attempt` (0-based: 0 is the first retry), given the delay slept
 * before the previous retry, which only `'decorrelated'` jitter uses (it ignores `attempt`).
 *
 * ```ts
 * let delayMs: number | undefined;
 * for (let attempt = 0; attempt < 3; attempt++) delayMs = nextBackoffDelayMs(attempt, delayMs, { jitter: 'decorrelated' });
 * ```
 */
export function nextBackoffDelayMs(
  attempt: number,
  previousDelayMs: number | undefined,
  options?: BackoffOptions,
  random: RandomSource = Math.random,
): number {
  const resolved = resolveBackoffOptions(options);
  const { baseDelayMs, maxDelayMs, jitter } = resolved;
  if (jitter === 'decorrelated') {
    const low = baseDelayMs < maxDelayMs ? baseDelayMs : maxDelayMs;
    // A previous delay we did not compute (NaN, negative, above the cap) is brought back in range.
    const previous = previousDelayMs !== undefined && previousDelayMs >= 0 ? Math.min(previousDelayMs, maxDelayMs) : baseDelayMs;
    const high = Math.max(low, previous * 3);
    const delayMs = low + (high - low) * unitRandom(random);
    return delayMs < maxDelayMs ? delayMs : maxDelayMs;
  }
  const cappedMs = cappedExponentialDelayMs(attempt, resolved);
  if (jitter === 'none') return cappedMs;
  if (jitter === 'equal') {
    // Halving a subnormal rounds, so the sum can pass cappedMs by one ulp.
    const delayMs = cappedMs / 2 + (cappedMs / 2) * unitRandom(random);
    return delayMs < cappedMs ? delayMs : cappedMs;
  }
  return cappedMs * unitRandom(random);
}

/**
 * The delay before retry number `attempt` (0-based: attempt 0 waits about `baseDelayMs`). With
 * `'decorrelated'` jitter, which needs the previous delay, it takes `baseDelayMs` as that previous
 * delay; use {@link nextBackoffDelayMs} to carry it from one retry to the next.
 *
 * ```ts
 * backoffDelayMs(2, { jitter: 'none' }); // 4000
 * ```
 */
export function backoffDelayMs(attempt: number, options?: BackoffOptions, random: RandomSource = Math.random): number {
  return nextBackoffDelayMs(attempt, undefined, options, random);
}
