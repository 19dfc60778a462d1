/**
 * Admission through a shared store (Redis), one round trip per batch: the queue sends its head in
 * batches, the store admits in order (a request that fits within its wait is admitted with a
 * delay: a reservation, so the fleet is served in the order it asks) and stops at the first that
 * does not fit. Concurrency leases live in the store with a TTL, renewed here while their calls
 * run, so a killed process frees its slots when the TTL expires. A failed call is reported to
 * `onFailure` (failover-admission.ts decides what stands in); nothing here retries.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import type { AdmitReply, Admission, AdmissionAsk, AdmissionHost, Grant } from './admission.js';
import type { ChargeRule } from './charge-learner.js';
import { RATE_DIMENSIONS } from './dimensions.js';
import type { Lease } from './lease.js';
import { CONCURRENCY_INDEX, type LimiterSpec, PAUSE_INDEX } from './limiter-store.js';
import type { ProviderRateLimitState } from './limiter-types.js';
import { SharedProviderState } from './shared-provider-state.js';
import type { SharedAdmitRequest, SharedLimiterBackend, SharedLimiterState, SharedStorePolicy } from './shared-store.js';
import { hasRefund } from './usage-deltas.js';

/** Stats read the store's state at most this often (in the background: stats never wait on the store). */
const STATE_REFRESH_MS = 1000;
/** How often an active process says it is live (the local share while the store is down is 1 / the live processes). */
const HELLO_INTERVAL_MS = 1000;
/** How often an admission also asks the store to count the live processes (between, the last count stands). */
const LIVE_COUNT_MS = 1000;

export interface SharedAdmissionContext extends AdmissionHost {
  readonly clock: Clock;
  readonly events: EventChannel<ResilienceEvent>;
  /** A store call failed (the failover decides what stands in). */
  onFailure(error: unknown): void;
}

export class SharedAdmission implements Admission {
  readonly shared = true;
  readonly maxBatch: number;
  /** Leases held in the store by this process's calls, renewed while they run. */
  private readonly leases = new Map<Lease, string>();
  private readonly provider: SharedProviderState;
  private readonly processId = globalThis.crypto.randomUUID();
  /**
   * No request can start before this (a reservation was made, or the store is paused): a later
   * request waits at least until then, so one that cannot wait that long is refused without a
   * round trip. A refund may free room sooner, so it clears this.
   */
  private blockedUntil = -Infinity;
  /** The dimension that set blockedUntil. */
  private blockedOn = -1;
  private maintenance: TimerHandle | undefined;
  private lastHelloAt = -Infinity;
  private liveCountedAt = -Infinity;
  private state: SharedLimiterState | undefined;
  private stateAskedAt = -Infinity;
  private mismatchReported = false;
  private closed = false;
  /** Processes the store counts as live on this limiter. */
  liveProcesses = 1;
  /** The store has answered an admission since this process started. */
  answered = false;
  /** The store is in use (while it is down, leases are only kept, not renewed). */
  active = true;

  constructor(
    private readonly context: SharedAdmissionContext,
    readonly backend: SharedLimiterBackend,
    private readonly spec: LimiterSpec,
    private readonly policy: SharedStorePolicy,
  ) {
    this.maxBatch = policy.maxBatch;
    this.provider = new SharedProviderState(backend, spec, context.onFailure);
  }

  async admit(batch: readonly AdmissionAsk[], now: number): Promise<AdmitReply> {
    const requests = batch.map(
      (ask): SharedAdmitRequest => ({ costs: ask.costsInto(new Float64Array(RATE_DIMENSIONS.length)), slot: ask.slot, force: ask.force === true, maxWaitMs: Math.max(0, ask.deadline - now) }),
    );
    // The live processes only change the local share while the store is down: counted once a
    // second, not on every admission (a ZCOUNT less in Redis for almost every call).
    const countLive = now - this.liveCountedAt >= LIVE_COUNT_MS;
    if (countLive) this.liveCountedAt = now;
    const reply = await this.backend.admit(requests, this.provider.following ? this.provider.lead.at(now) : undefined, countLive);
    const at = this.context.clock.now();
    this.answered = true;
    this.provider.recordCharges(reply.charged, reply.storeTime);
    if (reply.liveProcesses !== undefined) this.liveProcesses = Math.max(1, reply.liveProcesses);
    this.noteMismatch();
    const grants: Grant[] = reply.admitted.map((g) => ({ slot: -1, generation: 0, leaseId: g.leaseId, delayMs: g.delayMs }));
    if (!reply.refused) {
      // All admitted, or stopped after a reservation: nothing starts before that one.
      const reservedMs = grants.length > 0 ? grants[grants.length - 1]!.delayMs : 0;
      this.blockedUntil = reservedMs > 0 ? at + reservedMs : -Infinity;
      this.blockedOn = reply.dimension;
    } else if (reply.dimension === PAUSE_INDEX && at + reply.waitMs > this.blockedUntil) {
      // A refusal's wait is for that request's costs (a smaller one may fit sooner): only a pause holds everyone.
      this.blockedUntil = at + reply.waitMs;
      this.blockedOn = PAUSE_INDEX;
    }
    return {
      admitted: grants.length,
      grants,
      refused: reply.refused,
      // Other processes' releases are not announced: a request held by concurrency asks again soon.
      waitMs: reply.dimension === CONCURRENCY_INDEX ? Math.min(reply.waitMs, this.policy.concurrencyPollMs) : reply.waitMs,
      dimension: reply.dimension,
      ...(reply.storeTime !== undefined ? { storeTime: reply.storeTime } : {}),
      ...(reply.base !== undefined ? { base: reply.base } : {}),
    };
  }

  admitted(lease: Lease, grant: Grant, reply: AdmitReply, now: number): void {
    if (reply.storeTime !== undefined) {
      lease.storeAdmittedAt = reply.storeTime + grant.delayMs;
      // Only a process that follows provider figures reads them against a base (as local
      // admission does): no allocation per admission otherwise. Without one, the store reads from its ring.
      if (this.provider.following) lease.transitBase = this.provider.baseAt(lease.storeAdmittedAt, now, reply.base);
    }
    if (grant.leaseId !== null) {
      this.leases.set(lease, grant.leaseId);
      this.armMaintenance();
    }
    if (now - this.lastHelloAt >= HELLO_INTERVAL_MS) this.hello(now);
  }

  release(lease: Lease, deltas: Float64Array | null, _now: number): boolean {
    const leaseId = this.leases.get(lease) ?? null;
    this.leases.delete(lease);
    // Copied: the caller's buffer is reused before the store call may have read it.
    const usage = deltas !== null && deltas.some((d) => d !== 0) ? Float64Array.from(deltas) : null;
    if (leaseId === null && usage === null) return false;
    if (this.leases.size === 0) this.clearMaintenance();
    const refund = usage !== null && hasRefund(usage);
    if (refund) this.blockedUntil = -Infinity;
    this.backend.settle(leaseId, usage, lease.storeAdmittedAt).then(
      () => {
        if (leaseId !== null || refund) this.context.wake();
      },
      (error: unknown) => this.context.onFailure(error),
    );
    return false;
  }

  cancel(grant: Grant, costs: Float64Array, lease: Lease | undefined, _now: number): void {
    if (lease) this.leases.delete(lease);
    this.blockedUntil = -Infinity;
    this.backend.settle(grant.leaseId, costs.map((c) => -c)).catch((error: unknown) => this.context.onFailure(error));
  }

  follow(state: ProviderRateLimitState, pauseMs: number, lease: Lease | undefined, now: number): void {
    if (pauseMs > 0 && now + pauseMs > this.blockedUntil) {
      this.blockedUntil = now + pauseMs;
      this.blockedOn = PAUSE_INDEX;
    }
    this.provider.apply(state, lease, now);
  }

  clearPause(): void {
    if (this.blockedOn === PAUSE_INDEX) this.blockedUntil = -Infinity;
    this.backend.clearPause().catch((error: unknown) => this.context.onFailure(error));
  }

  waitForCostsMs(_costs: Float64Array, now: number): number {
    return Math.max(0, this.blockedUntil - now);
  }

  blockingDimension(_costs: Float64Array, now: number): number {
    return this.blockedUntil > now ? this.blockedOn : CONCURRENCY_INDEX;
  }

  providerLeadMs(now: number): number {
    return this.provider.lead.peek(now);
  }

  pausedForMs(now: number): number {
    return this.blockedOn === PAUSE_INDEX ? Math.max(0, this.blockedUntil - now) : 0;
  }

  /** The store's levels as last read (refreshed in the background at most once per second). */
  level(dimension: number, now: number): number {
    this.refreshState(now);
    return this.state?.levels[dimension] ?? NaN;
  }

  get inFlight(): number {
    return this.state?.inFlight ?? this.leases.size;
  }

  get expiredLeases(): number {
    return this.backend.expiredSlots;
  }

  /** The fleet's cap is the store's: this process cannot change it. */
  setMaxConcurrent(): number {
    return this.spec.maxConcurrent;
  }

  /** The charge rule is not learned across a fleet (shared-provider-state.ts). */
  readonly chargeRule: ChargeRule = 'input+max_tokens';

  noteRateLimited(now: number): void {
    this.provider.lead.rateLimited(now);
  }

  status(): undefined {
    return undefined;
  }

  /** Says this process is live (the fleet's count of processes gives each its share while the store is down). */
  hello(now: number): Promise<number> {
    this.lastHelloAt = now;
    const asked = this.backend.hello(this.processId, this.policy.leaseTtlMs).then((live) => {
      this.liveProcesses = Math.max(1, live);
      return this.liveProcesses;
    });
    asked.catch((error: unknown) => this.context.onFailure(error));
    return asked;
  }

  close(): void {
    this.closed = true;
    this.clearMaintenance();
  }

  private refreshState(now: number): void {
    if (now - this.stateAskedAt < STATE_REFRESH_MS || this.closed) return;
    this.stateAskedAt = now;
    this.backend.state().then(
      (state) => {
        this.state = state;
      },
      (error: unknown) => this.context.onFailure(error),
    );
  }

  /** Renews this process's leases every third of their TTL while any is held. */
  private armMaintenance(): void {
    if (this.maintenance !== undefined || this.closed) return;
    this.maintenance = this.context.clock.setTimer(() => {
      this.maintenance = undefined;
      this.renewLeases();
    }, this.policy.leaseTtlMs / 3);
  }

  private clearMaintenance(): void {
    if (this.maintenance !== undefined) this.context.clock.clearTimer(this.maintenance);
    this.maintenance = undefined;
  }

  private renewLeases(): void {
    const now = this.context.clock.now();
    const ids: string[] = [];
    for (const [lease, id] of this.leases) {
      // A call stuck past the lease timeout stops being renewed: the store reclaims its slot.
      if (now - lease.admittedAt > this.spec.leaseTimeoutMs) this.leases.delete(lease);
      else ids.push(id);
    }
    if (ids.length === 0) return;
    this.armMaintenance();
    if (!this.active) return;
    this.backend.renew(ids).catch((error: unknown) => this.context.onFailure(error));
    if (now - this.lastHelloAt >= HELLO_INTERVAL_MS) void this.hello(now).catch(() => undefined);
  }

  private noteMismatch(): void {
    if (!this.backend.configMismatch) {
      this.mismatchReported = false;
      return;
    }
    if (this.mismatchReported) return;
    this.mismatchReported = true;
    if (this.context.events.hasListeners) {
      const ours = this.spec.dimensions.map((d) => `${d.name}=${d.limit}`).join(',');
      this.context.events.emit({ type: 'store_config_mismatch', service: this.context.name, at: this.context.clock.wallTime(), ours });
    }
  }
}
