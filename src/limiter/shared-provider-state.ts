/**
 * Following the provider's headers through a shared store: the one place that answers "what does
 * a response's headers do to a fleet's limiter". One store call per response carries its
 * retry-after (a pause for the whole fleet) and its remaining figures, which the store reads
 * against what the whole fleet admitted within the provider delay (its transit ring), so a figure
 * raises the shared level as well as lowers it, as provider-state.ts does in one process. What
 * this process keeps is the fleet's charges as its admissions' replies showed them, to tell the
 * store where a request's admission stood (a lower bound: it may only make the store more careful).
 *
 * The limits stay each process's configuration (a mismatch is reported): nothing is learned into
 * the store, and the charge rule is not learned across a fleet.
 */
import { dimensionCost, DIMENSION_PERIOD_MS, RATE_DIMENSIONS } from './dimensions.js';
import type { Lease } from './lease.js';
import type { LimiterSpec } from './limiter-store.js';
import type { ProviderRateLimitState } from './limiter-types.js';
import { ProviderLead } from './provider-lead.js';
import { familiesOf, pauseMsOf, valid } from './provider-state.js';
import type { ProviderFigure, SharedLimiterBackend } from './shared-store.js';
import { TransitLog } from './transit-log.js';

/** The per-minute dimensions, whose figures are read against the fleet's transit. */
const MINUTE_DIMENSIONS = 4;

export class SharedProviderState {
  /** The fleet's charges per dimension as the last admission reply showed them. */
  private readonly latest = new Float64Array(RATE_DIMENSIONS.length).fill(NaN);
  /** Samples of the fleet's charges by the store's clock: where an admission stood. */
  private readonly samples: TransitLog;
  private readonly latestOf = (dimension: number): number => this.latest[dimension]!;
  /** A response's figures have been seen: admissions ask the store where the fleet stood (see SharedAdmitReply.base). */
  following = false;
  /** How long this process's requests take to reach the provider, as configured or learned (each process its own). */
  readonly lead: ProviderLead;

  constructor(
    private readonly backend: Pick<SharedLimiterBackend, 'follow'>,
    private readonly spec: LimiterSpec,
    private readonly onError: (error: unknown) => void,
  ) {
    this.lead = new ProviderLead(spec.providerDelayMs, spec.learnProviderDelay === true);
    // Covering the provider delay before an admission (at least a few ms, for a delay of 0).
    this.samples = new TransitLog(Math.max(this.lead.maxMs, 1), false);
  }

  /** The fleet's charges right after an admission batch the store ran at `storeTime` (its clock). */
  recordCharges(charged: readonly number[] | undefined, storeTime: number | undefined): void {
    if (!charged || storeTime === undefined) return;
    for (let d = 0; d < MINUTE_DIMENSIONS; d++) this.latest[d] = charged[d] ?? NaN;
    this.samples.record(storeTime, this.latestOf);
  }

  /**
   * What the fleet had started provider-delay before an admission the store made at `storeTime`,
   * at most (undefined when not known): the higher of what the store answered for its batch
   * (`fromStore`) and this process's own samples.
   */
  baseAt(storeTime: number, now: number, fromStore?: readonly number[]): Float64Array | undefined {
    if (Number.isNaN(storeTime)) return undefined;
    const leadMs = this.lead.at(now);
    const base = new Float64Array(MINUTE_DIMENSIONS);
    for (let d = 0; d < MINUTE_DIMENSIONS; d++) {
      const latest = this.latest[d]!;
      const sampled = Number.isNaN(latest) ? NaN : latest - this.samples.chargedAfter(storeTime - leadMs, d, latest);
      const answered = fromStore?.[d] ?? NaN;
      base[d] = Number.isNaN(sampled) ? answered : Number.isNaN(answered) ? sampled : Math.max(sampled, answered);
    }
    return base.every(Number.isNaN) ? undefined : base;
  }

  /**
   * Sends the response's retry-after (already capped) and figures to the store. `own`: the
   * request's admission through this store; `now`: this process's clock.
   */
  apply(state: ProviderRateLimitState, own: Lease | undefined, now: number): void {
    this.following = true;
    this.lead.at(now);
    const figures: ProviderFigure[] = [];
    for (const family of familiesOf(state)) {
      const spec = this.spec.dimensions.find((d) => d.index === family.index) ?? this.spec.dimensions.find((d) => d.index === family.dayIndex);
      if (!spec) continue;
      const index = spec.index;
      if (valid(family.remaining, 0)) {
        const exact = index < MINUTE_DIMENSIONS;
        const headerLimit = valid(family.limit, Number.MIN_VALUE) && index === family.index ? family.limit : undefined;
        figures.push({
          index,
          remaining: family.remaining,
          exact,
          refillPerMs: headerLimit === undefined ? undefined : headerLimit / DIMENSION_PERIOD_MS[RATE_DIMENSIONS[index]!],
          refillCap: headerLimit === undefined ? undefined : Math.min(spec.burst, headerLimit),
          base: exact ? own?.transitBase?.[index] : undefined,
          admittedAt: exact && own && !Number.isNaN(own.storeAdmittedAt) ? own.storeAdmittedAt : undefined,
          ownCost: own ? dimensionCost(index, own.tokens, own.inputTokens, own.outputTokens) : 0,
        });
      } else if (valid(family.resetMs, 0)) {
        // Time until the provider's bucket is full again: it lacks that much refill (a bound only).
        figures.push({ index, remaining: spec.burst - family.resetMs / spec.intervalMs, exact: false, ownCost: 0 });
      }
    }
    const pauseMs = pauseMsOf(state);
    if (pauseMs === undefined && figures.length === 0) return;
    this.backend.follow(pauseMs, figures, this.lead.ms).catch(this.onError);
  }
}
