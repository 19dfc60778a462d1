/**
 * One limiter's state in a {@link MemorySharedStore}, as a SharedLimiterBackend: every call goes
 * through the store (its round trip and its faults) and runs the admission script's operation
 * there, atomically, on the store's clock. Like RedisLimiterBackend, the configuration is compared
 * with the other processes' at most once per 10 s, and expired leases reclaimed are counted.
 */
import type { Clock } from '../core/clock.js';
import type { CallerSpec, MemoryLimiterKeys } from './memory-shared-keys.js';
import { follow } from './memory-shared-follow.js';
import { admit, type MemorySharedState, renew, settle, state } from './memory-shared-script.js';
import type { ProviderFigure, SharedAdmitReply, SharedAdmitRequest, SharedLimiterBackend } from './shared-store.js';

/** What a backend needs from its store. */
export interface StoreLink {
  readonly clock: Clock;
  /** Runs `operation` in the store at its clock's `now` and answers with its result a round trip later (or fails). */
  call<T>(op: string, operation: (now: number) => T): Promise<T>;
  /** A lease id no other backend of the store uses. */
  newLeaseId(): string;
}

/** How often the limits are compared with the other processes' (ms), as RedisLimiterBackend does. */
const CONFIG_CHECK_MS = 10_000;

export class MemorySharedBackend implements SharedLimiterBackend {
  /** True when the last comparison saw different limits stored by another backend on the same key. */
  configMismatch = false;
  /** Expired leases this backend reclaimed (holders that never released). */
  expiredSlots = 0;
  private configCheckedAt = -Infinity;

  constructor(
    private readonly link: StoreLink,
    private readonly keys: MemoryLimiterKeys,
    private readonly spec: CallerSpec,
  ) {}

  admit(batch: readonly SharedAdmitRequest[], baseLeadMs?: number, countLive = true): Promise<SharedAdmitReply> {
    // Copied now, as a Redis client serializes its arguments: the call runs half a round trip later.
    const requests: SharedAdmitRequest[] = batch.map((r) => ({
      costs: Array.from(r.costs),
      slot: r.slot,
      force: r.force,
      // As the Redis backend sends it: a non-finite wait is no limit, a negative one none.
      maxWaitMs: Number.isFinite(r.maxWaitMs) ? Math.max(0, r.maxWaitMs) : Infinity,
    }));
    return this.run('admit', (now) => admit(this.keys, this.spec, requests, baseLeadMs, countLive, now, () => this.link.newLeaseId())).then(({ reply, reclaimed }) => {
      this.expiredSlots += reclaimed;
      return reply;
    });
  }

  async settle(leaseId: string | null, deltas: ArrayLike<number> | null, admittedAt?: number): Promise<void> {
    const copy = deltas ? Array.from(deltas) : null;
    const at = admittedAt !== undefined && Number.isFinite(admittedAt) ? admittedAt : undefined;
    await this.run('settle', (now) => settle(this.keys, this.spec, leaseId, copy, at, now));
  }

  renew(leaseIds: readonly string[]): Promise<number> {
    const ids = [...leaseIds];
    return this.run('renew', (now) => renew(this.keys, this.spec, ids, now));
  }

  async clearPause(): Promise<void> {
    await this.run('unpause', () => {
      this.keys.pauseUntil = -Infinity;
    });
  }

  async follow(pauseMs: number | undefined, figures: readonly ProviderFigure[], leadMs = this.spec.lead): Promise<void> {
    const copy = figures.map((f) => ({ ...f }));
    await this.run('follow', (now) => follow(this.keys, this.spec, pauseMs, copy, leadMs, now));
  }

  hello(processId: string, ttlMs: number): Promise<number> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    return this.run('hello', (now) => this.keys.hello(processId, ttl, now));
  }

  state(): Promise<MemorySharedState> {
    return this.run('state', (now) => state(this.keys, this.spec, now));
  }

  /** Runs one operation in the store; every so often it also compares this backend's limits with the last caller's. */
  private run<T>(op: string, operation: (now: number) => T): Promise<T> {
    const sentAt = this.link.clock.now();
    const check = sentAt - this.configCheckedAt >= CONFIG_CHECK_MS;
    if (check) this.configCheckedAt = sentAt;
    return this.link
      .call(op, (now) => {
        this.keys.expire(now);
        const mismatch = check ? this.keys.swapFingerprint(this.spec.fingerprint, this.spec.maxTolerance + this.spec.leaseTtlMs, now) : undefined;
        return { value: operation(now), mismatch };
      })
      .then(({ value, mismatch }) => {
        if (mismatch !== undefined) this.configMismatch = mismatch;
        return value;
      });
  }
}
