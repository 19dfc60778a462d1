/**
 * A concurrency limit learned from latency, for providers that send no rate-limit headers: DeepSeek
 * holds requests over capacity open instead of refusing them, and self-hosted vLLM, Ollama and most
 * OpenAI-compatible servers queue silently. Their only signal is that calls get slower, so the limit
 * follows latency, after Netflix's concurrency-limits (`Gradient2Limit`, `AIMDLimit`, `VegasLimit`).
 *
 * `gradient` (default), once per window of `windowSamples` samples (and `windowMs`):
 * - the floor (`rttNoLoadMs`) is the lowest window mean seen: the latency of a server that is not
 *   queueing. Window means, not single samples, so that one lucky call does not set it (Vegas
 *   and Gradient v1 use the minimum sample; Gradient2 a long average, which creeps up under
 *   sustained load and with it the limit);
 * - `ratio` = window mean / floor. Over `tolerance`, the server is queueing: by Little's law it
 *   serves `inFlight / ratio` calls at the floor latency, so the limit drops there at once (at most
 *   halving per window), not by a fixed step that would take many windows to get there;
 * - within `tolerance`, the limit may rise to `inFlight * tolerance / ratio`: where latency reaches
 *   the tolerance if it grows in proportion to load, as it does in a queue. Against such a server
 *   this never overshoots `tolerance` times its capacity, and grows by up to `tolerance` per window
 *   while latency sits at the floor. Measured in-flight, not the limit, is the base: a caller that
 *   does not use its limit does not raise it (Gradient2: "don't grow if app-limited");
 * - with no queueing seen (ratio under halfway to the tolerance) and the limit full, it probes one
 *   more, so small limits grow too;
 * - the floor only falls, unless latency stays high while our load falls (the limit at its
 *   minimum, or a fifth less in flight and the latency not falling with it): then the slowness is
 *   not ours (a slower model, longer answers) and the floor re-bases to what is seen now.
 * Latency within `tolerance` is queueing we accept: `tolerance` is the latency inflation allowed,
 * and against a server that holds requests the limit stays within about `tolerance` x capacity.
 * The floor is learned from the first windows: an `initialLimit` above the server's capacity (say
 * Ollama with one slot) would learn a floor that already queues, so start at or under it.
 *
 * `aimd`: +1 per window while the limit is full, for servers that refuse (429, 503) rather than hold.
 *
 * Both: a `dropped` sample (timeout, overload, 429) multiplies the limit by `backoffRatio` at once
 * (at least one slot), unless the call started with more in flight than the limit now allows, or
 * the window already decreased: a burst of failures from one overload counts once.
 *
 * Feed it a latency that does not grow with the request's size (time to first token, or
 * milliseconds per output token), or a mix of short and long answers reads as congestion.
 */
import { systemClock, type Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { integerAtLeast, noUnknownKeys, nonNegativeNumber, oneOf } from '../core/validate.js';

export type AdaptiveAlgorithm = 'gradient' | 'aimd';
/** `dropped`: timeout, overload, 429-like. `ignored`: the caller's own abort or a client error. */
export type SampleOutcome = 'success' | 'dropped' | 'ignored';

/** Defaults: {@link ADAPTIVE_CONCURRENCY_DEFAULTS}. */
export interface AdaptiveConcurrencyOptions {
  initialLimit?: number;
  minLimit?: number;
  maxLimit?: number;
  algorithm?: AdaptiveAlgorithm;
  /** How far latency may rise above its floor before the limit drops (gradient only): > 1. */
  tolerance?: number;
  /** Multiplier of the limit on a dropped sample: in (0, 1). */
  backoffRatio?: number;
  /** Samples (success or dropped) per update, and the least milliseconds of the clock per update. */
  windowSamples?: number;
  windowMs?: number;
  /** For `onSample` calls that give no time. Default the system clock. */
  clock?: Clock;
}

export const ADAPTIVE_CONCURRENCY_DEFAULTS = {
  initialLimit: 4, minLimit: 1, maxLimit: 256, algorithm: 'gradient', tolerance: 1.5, backoffRatio: 0.9, windowSamples: 10, windowMs: 0,
} as const;

const KNOWN_OPTIONS = [...Object.keys(ADAPTIVE_CONCURRENCY_DEFAULTS), 'clock'];

export interface AdaptiveConcurrencyStats {
  limit: number;
  algorithm: AdaptiveAlgorithm;
  /** The no-load latency floor (gradient); undefined before the first window. */
  rttNoLoadMs: number | undefined;
  /** Mean latency of the last window; undefined before the first. */
  shortRttMs: number | undefined;
  /** Samples counted (ignored ones are not). */
  samples: number;
}

/**
 * ```ts
 * const adaptive = new AdaptiveConcurrency({ maxLimit: 64 });
 * adaptive.onSample(latencyMs, inFlightAtStart, 'success', clock.now()); // then admit up to adaptive.limit
 * ```
 */
export class AdaptiveConcurrency {
  private readonly minLimit: number;
  private readonly maxLimit: number;
  private readonly algorithm: AdaptiveAlgorithm;
  private readonly tolerance: number;
  private readonly backoffRatio: number;
  private readonly windowSamples: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private estimate: number;
  private floorMs = Infinity;
  private shortMs = NaN;
  private samples = 0;
  // The window being collected, then the last one closed.
  private windowStart = 0;
  private windowCount = 0;
  private successes = 0;
  private latencySum = 0;
  private inFlightSum = 0;
  private maxInFlight = 0;
  private dropped = false;
  private previousInFlight = NaN;
  private previousShortMs = NaN;

  constructor(options: AdaptiveConcurrencyOptions = {}, path = 'adaptiveConcurrency') {
    if (options === null || typeof options !== 'object') throw new ConfigError(path, options, 'an object of AdaptiveConcurrency options');
    noUnknownKeys(path, options, KNOWN_OPTIONS);
    const d = ADAPTIVE_CONCURRENCY_DEFAULTS;
    this.minLimit = integerAtLeast(`${path}.minLimit`, options.minLimit ?? d.minLimit, 1);
    this.maxLimit = integerAtLeast(`${path}.maxLimit`, options.maxLimit ?? d.maxLimit, this.minLimit);
    const initial = integerAtLeast(`${path}.initialLimit`, options.initialLimit ?? d.initialLimit, this.minLimit);
    if (initial > this.maxLimit) throw new ConfigError(`${path}.initialLimit`, initial, `an integer from minLimit to maxLimit (${this.minLimit} to ${this.maxLimit})`);
    this.estimate = initial;
    this.algorithm = oneOf(`${path}.algorithm`, options.algorithm ?? d.algorithm, ['gradient', 'aimd'] as const);
    const tolerance = options.tolerance ?? d.tolerance;
    if (!(typeof tolerance === 'number' && tolerance > 1 && tolerance < Infinity)) throw new ConfigError(`${path}.tolerance`, tolerance, 'a finite number > 1');
    this.tolerance = tolerance;
    const ratio = options.backoffRatio ?? d.backoffRatio;
    if (!(typeof ratio === 'number' && ratio > 0 && ratio < 1)) throw new ConfigError(`${path}.backoffRatio`, ratio, 'a number > 0 and < 1');
    this.backoffRatio = ratio;
    this.windowSamples = integerAtLeast(`${path}.windowSamples`, options.windowSamples ?? d.windowSamples, 1);
    this.windowMs = nonNegativeNumber(`${path}.windowMs`, options.windowMs ?? d.windowMs);
    this.clock = options.clock ?? systemClock;
  }

  /** Calls allowed in flight at once: an integer in [minLimit, maxLimit]. */
  get limit(): number {
    return Math.floor(this.estimate);
  }

  /**
   * Records one finished call: its latency, the calls in flight when it started (itself included)
   * and how it ended. Returns true when {@link limit} changed. A negative or non-finite latency, or a
   * non-finite in-flight count or time, makes the sample ignored; an in-flight count under 1 counts as 1.
   */
  onSample(latencyMs: number, inFlightAtStart: number, outcome: SampleOutcome, now: number = this.clock.now()): boolean {
    if ((outcome !== 'success' && outcome !== 'dropped') || !(latencyMs >= 0 && latencyMs < Infinity)) return false;
    if (!Number.isFinite(inFlightAtStart) || !Number.isFinite(now)) return false;
    const before = this.limit;
    this.samples++;
    if (this.windowCount++ === 0) this.windowStart = now;
    if (outcome === 'dropped') {
      // A call started over the current limit failed for a level already given up.
      if (!this.dropped && inFlightAtStart <= before) this.setEstimate(Math.min(this.estimate * this.backoffRatio, before - 1));
      this.dropped = true;
    } else {
      const inFlight = inFlightAtStart > 1 ? inFlightAtStart : 1;
      this.successes++;
      this.latencySum += latencyMs;
      this.inFlightSum += inFlight;
      if (inFlight > this.maxInFlight) this.maxInFlight = inFlight;
    }
    if (this.windowCount >= this.windowSamples && now - this.windowStart >= this.windowMs) this.closeWindow();
    return this.limit !== before;
  }

  stats(): AdaptiveConcurrencyStats {
    const known = (ms: number) => (Number.isFinite(ms) ? ms : undefined);
    return { limit: this.limit, algorithm: this.algorithm, rttNoLoadMs: known(this.floorMs), shortRttMs: known(this.shortMs), samples: this.samples };
  }

  private closeWindow(): void {
    // A window with a drop has already decreased, and its successes do not tell a steady state.
    if (this.successes > 0 && !this.dropped) {
      const shortMs = this.latencySum / this.successes;
      const inFlight = this.inFlightSum / this.successes;
      if (this.algorithm === 'gradient') this.gradient(shortMs, inFlight);
      else if (this.maxInFlight >= this.limit) this.setEstimate(this.estimate + 1);
      this.shortMs = shortMs;
      this.previousInFlight = inFlight;
      this.previousShortMs = shortMs;
    }
    this.windowCount = this.successes = this.latencySum = this.inFlightSum = this.maxInFlight = 0;
    this.dropped = false;
  }

  private gradient(shortMs: number, inFlight: number): void {
    if (shortMs < this.floorMs) this.floorMs = shortMs;
    const tolerance = this.tolerance;
    const ratio = shortMs === this.floorMs ? 1 : this.floorMs > 0 ? shortMs / this.floorMs : Infinity;
    if (ratio > tolerance) {
      const atMinimum = this.limit <= this.minLimit && inFlight <= this.minLimit;
      const lessLoad = inFlight / this.previousInFlight; // NaN before a previous window: compares false
      const notOurs = lessLoad <= 0.8 && 2 * shortMs > this.previousShortMs * (1 + lessLoad);
      if (atMinimum || notOurs) this.floorMs = shortMs;
      else this.setEstimate(Math.max(this.estimate / 2, Math.min(this.estimate, inFlight / ratio)));
      return;
    }
    let next = (inFlight * tolerance) / ratio;
    if (ratio < (1 + tolerance) / 2 && this.maxInFlight >= this.limit) next = Math.max(next, this.estimate + 1);
    if (next > this.estimate) this.setEstimate(next);
  }

  private setEstimate(value: number): void {
    if (Number.isNaN(value)) return;
    this.estimate = value > this.maxLimit ? this.maxLimit : value > this.minLimit ? value : this.minLimit;
  }
}
