/**
 * Following the provider's headers through a shared store: a retry-after pauses the whole fleet,
 * and a remaining budget below the store's lowers it (the store only ever lowers: another process
 * may have spent since the provider answered). Our view of the store's level is not kept locally,
 * so every lower budget is sent and the store decides. A lower limit than configured is not
 * adopted fleet-wide: the limits are each process's own configuration (a mismatch is reported).
 */
import { RATE_DIMENSIONS } from './dimensions.js';
import type { LimiterSpec } from './limiter-store.js';
import type { ProviderRateLimitState } from './limiter-types.js';
import { LimitTable } from './limit-table.js';
import { pauseMsOf, ProviderFollower } from './provider-state.js';
import type { SharedLimiterBackend } from './shared-store.js';
import { TransitLog } from './transit-log.js';

export class SharedProviderState {
  /** Units this process admitted per dimension, ever (what is in transit is read from it). */
  private readonly charged = new Float64Array(RATE_DIMENSIONS.length);
  private readonly chargedOf = (dimension: number): number => this.charged[dimension]!;
  private readonly transit: TransitLog | undefined;
  private readonly follower: ProviderFollower;

  constructor(
    private readonly backend: Pick<SharedLimiterBackend, 'pause' | 'lowerLevel'>,
    spec: LimiterSpec,
    private readonly onError: (error: unknown) => void,
  ) {
    this.transit = spec.providerDelayMs > 0 ? new TransitLog(spec.providerDelayMs) : undefined;
    const view = {
      level: () => Infinity,
      setLevel: (dimension: number, units: number) => {
        backend.lowerLevel(dimension, units).catch(onError);
      },
      charged: this.chargedOf,
      setLimit: () => undefined,
    };
    // The store only ever lowers (another process may have spent since the provider answered), and
    // the limits stay each process's configuration: nothing is learned into the store.
    const table = new LimitTable(spec.dimensions, spec.dimensions.map(() => 'configured'));
    this.follower = new ProviderFollower(view, table, this.transit, { learnLimits: false, learnedBurstSeconds: 60, providerDelayMs: spec.providerDelayMs });
  }

  recordAdmission(costs: Float64Array, now: number): void {
    for (let d = 0; d < costs.length; d++) this.charged[d]! += costs[d]!;
    this.transit?.record(now, this.chargedOf);
  }

  apply(state: ProviderRateLimitState, now: number): void {
    const pauseMs = pauseMsOf(state);
    if (pauseMs !== undefined) this.backend.pause(pauseMs).catch(this.onError);
    this.follower.apply(state, now);
  }
}
