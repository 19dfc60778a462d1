/**
 * The concurrency a limiter allows now: the configured cap, the careful start's until the
 * provider's first response (`initialConcurrency`), and the cap learned from latency for providers
 * without rate-limit headers (adaptive-concurrency.ts), whichever is lowest.
 */
import type { Clock } from '../core/clock.js';
import { AdaptiveConcurrency, type AdaptiveConcurrencyStats } from './adaptive-concurrency.js';
import type { Admission } from './admission.js';
import type { CallOutcome, Lease } from './lease.js';
import type { RateLimiterOptions } from './limiter-options.js';
import type { ProviderRateLimitState } from './limiter-types.js';
import { hasFigures } from './provider-state.js';

export class ConcurrencyCap {
  /** Take a concurrency slot with each admission (a cap, or the careful phase, is in force). */
  hasConcurrency = false;
  /** Concurrency until the first response (Infinity: no careful phase, or it is over). */
  private initialConcurrency: number;
  /** The concurrency learned from latency, when in use; 'auto' until the first response says whether. */
  private adaptive: AdaptiveConcurrency | undefined;
  private sawResponse = false;

  constructor(
    private readonly admission: Admission,
    readonly maxConcurrent: number,
    initialConcurrency: number,
    private readonly setting: RateLimiterOptions['adaptiveConcurrency'],
    private readonly clock: Clock,
    private readonly name: string,
  ) {
    this.initialConcurrency = initialConcurrency < maxConcurrent ? initialConcurrency : Infinity;
    if (initialConcurrency !== Infinity) admission.expectFigures?.();
    if (setting !== undefined && setting !== false && setting !== 'auto') this.startAdaptive();
    this.apply();
  }

  /** True while a cap is learned from latency (leases then note how many were in flight). */
  get learning(): boolean {
    return this.adaptive !== undefined;
  }

  /**
   * Until the provider's first response, at most `concurrency` requests in flight. No effect once
   * a response was seen or a careful start is already set.
   */
  startCarefully(concurrency: number): void {
    if (!this.sawResponse) this.admission.expectFigures?.();
    if (this.sawResponse || this.admission.shared || this.initialConcurrency !== Infinity || !(concurrency < this.maxConcurrent)) return;
    this.initialConcurrency = concurrency;
    this.apply();
  }

  /** A response's headers: the careful phase ends; 'auto' learns from latency when they carry no figures. */
  responded(state: ProviderRateLimitState): void {
    if (!this.sawResponse) {
      this.sawResponse = true;
      if (this.setting === 'auto' && !hasFigures(state)) this.startAdaptive();
    }
    if (this.initialConcurrency === Infinity) return;
    this.initialConcurrency = Infinity;
    this.apply();
  }

  /** A call ended: its latency feeds the learned cap. True when the cap rose (the queue may move). */
  sampled(lease: Lease, outcome: CallOutcome | undefined, now: number): boolean {
    if (!this.adaptive || !outcome) return false;
    const before = this.adaptive.limit;
    if (!this.adaptive.onSample(now - lease.admittedAt, lease.inFlightAtStart, outcome, now)) return false;
    this.apply();
    return this.adaptive.limit > before;
  }

  stats(): { adaptive: AdaptiveConcurrencyStats | undefined; carefulConcurrency: number } {
    return { adaptive: this.adaptive?.stats(), carefulConcurrency: this.initialConcurrency };
  }

  private startAdaptive(): void {
    const setting = this.setting;
    this.adaptive = new AdaptiveConcurrency({ ...(typeof setting === 'object' ? setting : {}), clock: this.clock }, `${this.name}.adaptiveConcurrency`);
  }

  private apply(): void {
    const cap = Math.min(this.maxConcurrent, this.initialConcurrency, this.adaptive?.limit ?? Infinity);
    this.hasConcurrency = Number.isFinite(this.admission.setMaxConcurrent(cap));
  }
}
