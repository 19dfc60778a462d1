/**
 * What happens when a shared store (Redis) fails, in one place: a wrapper of the admission
 * contract around the shared admission. On the first failure the fail mode takes over until the
 * store answers again (probed every `probeIntervalMs`):
 * - 'local' (default): this process's share of the limits, in its own buckets (local-admission.ts);
 * - 'open': admission without shared limits;
 * - 'closed': every request is refused with a StoreError.
 * On recovery what the local buckets admitted is charged to the store, and admission is shared again.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { messageOf, StoreError } from '../core/errors.js';
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import type { AdmitReply, Admission, AdmissionAsk, AdmissionHost, Grant } from './admission.js';
import type { ChargeRule } from './charge-learner.js';
import { RATE_DIMENSIONS } from './dimensions.js';
import type { Lease } from './lease.js';
import type { LimiterSpec } from './limiter-store.js';
import type { ProviderRateLimitState } from './limiter-types.js';
import type { LocalAdmission } from './local-admission.js';
import { SharedAdmission } from './shared-admission.js';
import type { SharedLimiterBackend, SharedStorePolicy } from './shared-store.js';
import type { SharedStoreStatus, StoreMode } from './store-status.js';

export interface FailoverContext extends AdmissionHost {
  readonly clock: Clock;
  readonly events: EventChannel<ResilienceEvent>;
  /** Buckets holding `share` of the limits, in this process. */
  createLocal(share: number): LocalAdmission;
}

/** Marks the leases admitted without limits ('open' mode): nothing to give back. */
const OPEN = Symbol('open');
/** The grant of an 'open' admission: no slot, no lease, no delay (one object serves every request). */
const OPEN_GRANT: Grant = Object.freeze({ slot: -1, generation: 0, leaseId: null, delayMs: 0 }) as Grant;

export class FailoverAdmission implements Admission {
  readonly shared = true;
  readonly store: SharedAdmission;
  private mode: StoreMode = 'shared';
  private local: LocalAdmission | undefined;
  /** When the local buckets of this outage started, and from which levels. */
  private localStart: { at: number; levels: Float64Array } | undefined;
  private probe: TimerHandle | undefined;
  private downSince = 0;
  private lastError: string | undefined;
  private closed = false;

  constructor(
    private readonly context: FailoverContext,
    backend: SharedLimiterBackend,
    private readonly spec: LimiterSpec,
    private readonly policy: SharedStorePolicy,
  ) {
    this.store = new SharedAdmission({ ...context, onFailure: (error) => this.failed(error) }, backend, spec, policy);
  }

  get maxBatch(): number {
    return this.mode === 'local' ? 1 : this.store.maxBatch;
  }

  admit(batch: readonly AdmissionAsk[], now: number): AdmitReply | Promise<AdmitReply> {
    if (this.mode !== 'shared') return this.admitWhileDown(batch, now);
    return this.store.admit(batch, now).catch((error: unknown) => {
      this.failed(error);
      return this.admitWhileDown(batch, this.context.clock.now());
    });
  }

  admitted(lease: Lease, grant: Grant, reply: AdmitReply, now: number): void {
    if (grant === OPEN_GRANT) lease.via = OPEN;
    else if (this.local && reply === this.local.lastReply) {
      lease.via = this.local;
      this.local.admitted(lease, grant, reply, now);
    } else this.store.admitted(lease, grant, reply, now);
  }

  release(lease: Lease, deltas: Float64Array | null, now: number): boolean {
    if (lease.via === OPEN) return false;
    if (lease.via !== undefined) return (lease.via as LocalAdmission).release(lease, deltas, now);
    return this.store.release(lease, deltas, now);
  }

  cancel(grant: Grant, costs: Float64Array, lease: Lease | undefined, now: number): void {
    if (lease?.via === OPEN) return;
    if (lease?.via !== undefined) (lease.via as LocalAdmission).cancel(grant, costs, lease, now);
    else this.store.cancel(grant, costs, lease, now);
  }

  follow(state: ProviderRateLimitState, pauseMs: number, lease: Lease | undefined, now: number): void {
    this.local?.follow(state, pauseMs, lease?.via === this.local ? lease : undefined, now);
    if (this.mode === 'shared') this.store.follow(state, pauseMs, lease?.via === undefined ? lease : undefined, now);
  }

  clearPause(): void {
    this.local?.clearPause();
    if (this.mode === 'shared') this.store.clearPause();
    this.context.wake();
  }

  /** Where admission goes now: the local buckets while they stand in, else the store's last answers. */
  private get current(): Admission {
    return this.mode === 'local' && this.local ? this.local : this.store;
  }

  waitForCostsMs(costs: Float64Array, now: number): number {
    return this.mode === 'shared' || this.mode === 'local' ? this.current.waitForCostsMs(costs, now) : 0;
  }

  blockingDimension(costs: Float64Array, now: number): number {
    return this.current.blockingDimension(costs, now);
  }

  pausedForMs(now: number): number {
    return this.current.pausedForMs(now);
  }

  providerLeadMs(now: number): number {
    return this.current.providerLeadMs(now);
  }

  level(dimension: number, now: number): number {
    return this.current.level(dimension, now);
  }

  get inFlight(): number {
    return this.current.inFlight;
  }

  get expiredLeases(): number {
    return this.store.expiredLeases;
  }

  setMaxConcurrent(): number {
    return this.spec.maxConcurrent;
  }

  get chargeRule(): ChargeRule {
    return this.store.chargeRule;
  }

  noteRateLimited(now: number): void {
    this.local?.noteRateLimited(now);
    this.store.noteRateLimited(now);
  }

  status(): SharedStoreStatus {
    return {
      mode: this.mode,
      healthy: this.mode === 'shared',
      liveProcesses: this.store.liveProcesses,
      configMismatch: this.store.backend.configMismatch,
      lastError: this.lastError,
      downForMs: this.mode === 'shared' ? 0 : this.context.clock.now() - this.downSince,
    };
  }

  /** Buckets holding this process's share (shadow mode decides synchronously with them). */
  localShare(): LocalAdmission {
    this.local ??= this.context.createLocal(this.share());
    return this.local;
  }

  close(): void {
    this.closed = true;
    this.store.close();
    if (this.probe !== undefined) this.context.clock.clearTimer(this.probe);
    this.probe = undefined;
  }

  private admitWhileDown(batch: readonly AdmissionAsk[], now: number): AdmitReply {
    if (this.mode === 'closed' || this.mode === 'shared') {
      const error = new StoreError('admit', 'error', `the shared store is unavailable (${this.lastError ?? 'no answer'}); failMode is 'closed'`);
      return { admitted: 0, grants: [], refused: false, waitMs: 0, dimension: -1, error };
    }
    if (this.mode === 'open') return { admitted: batch.length, grants: batch.map(() => OPEN_GRANT), refused: false, waitMs: 0, dimension: -1 };
    return this.localShare().admit(batch, now);
  }

  /** Switches to the fail mode on the first failure of a healthy store and starts probing it. */
  private failed(error: unknown): void {
    this.lastError = messageOf(error);
    if (this.mode !== 'shared' || this.closed) return;
    const now = this.context.clock.now();
    this.mode = this.policy.failMode;
    this.store.active = false;
    this.downSince = now;
    const share = this.share();
    if (this.mode === 'local') this.startLocal(share, now);
    if (this.context.events.hasListeners) {
      this.context.events.emit({ type: 'store_unavailable', service: this.context.name, at: this.context.clock.wallTime(), component: 'rateLimit', failMode: this.policy.failMode, share, message: this.lastError });
    }
    this.armProbe();
    this.context.wake();
  }

  private armProbe(): void {
    if (this.probe !== undefined || this.closed) return;
    this.probe = this.context.clock.setTimer(() => {
      this.probe = undefined;
      void this.tryRecover();
    }, this.policy.probeIntervalMs);
  }

  /** Asks the store again; when it answers, charges it what the local buckets admitted and shares again. */
  private async tryRecover(): Promise<void> {
    try {
      await this.store.hello(this.context.clock.now());
      const spent = this.localSpent();
      if (spent) await this.store.backend.settle(null, spent);
    } catch (error) {
      this.lastError = messageOf(error);
      this.armProbe();
      return;
    }
    if (this.closed) return;
    const now = this.context.clock.now();
    this.mode = 'shared';
    this.store.active = true;
    if (this.context.events.hasListeners) this.context.events.emit({ type: 'store_recovered', service: this.context.name, at: this.context.clock.wallTime(), downMs: now - this.downSince, component: 'rateLimit' });
    this.context.wake();
  }

  /**
   * Local buckets for this outage, holding this process's share of the limits. Once the store
   * has been in use they start empty: what the fleet spent just before is unknown, and a bucket
   * that starts full (or from a level read a second ago) lets every process spend its share again
   * on top of it (a second outage's local limiter once admitted 22 requests in 4 s against 1/s).
   * Empty, the fleet admits at most the refill of its shares: never over the limit at the outage's
   * edge. A process that never reached the store starts with its full share, as it would without one.
   */
  private startLocal(share: number, now: number): void {
    this.local = this.context.createLocal(share);
    const levels = new Float64Array(RATE_DIMENSIONS.length);
    for (const d of this.spec.dimensions) levels[d.index] = this.store.answered ? 0 : d.burst * share;
    this.local.startFrom(levels, now);
    this.localStart = { at: now, levels };
  }

  /**
   * What the local buckets admitted that they have not refilled yet (null when nothing): charged
   * to the store on recovery so that the fleet does not count it twice... nor forget it. Measured
   * against where the local buckets would stand had they admitted nothing.
   */
  private localSpent(): Float64Array | null {
    if (!this.local || !this.localStart) return null;
    const now = this.context.clock.now();
    const spent = new Float64Array(RATE_DIMENSIONS.length);
    let any = false;
    const share = this.share();
    const elapsed = now - this.localStart.at;
    for (const d of this.spec.dimensions) {
      const untouched = Math.min(d.burst * share, this.localStart.levels[d.index]! + (elapsed / d.intervalMs) * share);
      const used = Math.max(0, untouched - this.local.level(d.index, now));
      spent[d.index] = used;
      if (used > 0) any = true;
    }
    return any ? spent : null;
  }

  private share(): number {
    return this.policy.localShare ?? 1 / Math.max(1, this.store.liveProcesses);
  }
}

