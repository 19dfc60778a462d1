/**
 * One limiter's state in a {@link MemorySharedStore}: the four Redis keys of the admission script
 * (src/redis/admission-script.ts) held as fields, with the expiries Redis would give them, so that
 * what the memory store forgets after an idle spell is what Redis forgets. Every backend opened on
 * the same key shares one of these: that is what makes several limiters in one process a fleet.
 *
 * Values are indexed like RATE_DIMENSIONS (Redis stores them by the dimension's index too).
 */
import { RATE_DIMENSIONS } from './dimensions.js';
import type { LimiterSpec } from './limiter-store.js';

const DIMENSIONS = RATE_DIMENSIONS.length;
/** Every key outlives what it must hold by this much (the script's MARGIN). */
export const MARGIN_MS = 1000;
/** The hash's expiry is set this far beyond what it needs, so that it rarely moves (the script's 'x'). */
const HASH_SLACK_MS = 60_000;
/** Snapshots in the transit ring (the script's SLOTS). */
const RING_SLOTS = 32;

/** The limits a caller sends with every call (the script's ARGV header), per dimension index. */
export interface CallerSpec {
  /** Configured dimension indexes, in the spec's order. */
  readonly order: readonly number[];
  /** Ms per unit (0 where not configured). */
  readonly interval: Float64Array;
  /** Bucket capacity in ms, burst x interval (0 where not configured). */
  readonly tolerance: Float64Array;
  readonly maxTolerance: number;
  /** The configured provider delay: charged up front from a full bucket, the transit ring's width, and the lead of a figure read without one. */
  readonly lead: number;
  /** Infinity: no cap. */
  readonly maxConcurrent: number;
  readonly leaseTtlMs: number;
  /** The limits as text, compared across processes (the Redis store's format). */
  readonly fingerprint: string;
}

export function callerSpec(spec: LimiterSpec, leaseTtlMs: number): CallerSpec {
  const interval = new Float64Array(DIMENSIONS);
  const tolerance = new Float64Array(DIMENSIONS);
  const parts: string[] = [];
  for (const d of spec.dimensions) {
    interval[d.index] = d.intervalMs;
    tolerance[d.index] = d.burst * d.intervalMs;
    parts.push(`${d.name}=${d.limit}/${d.burst}`);
  }
  parts.push(`maxConcurrent=${Number.isFinite(spec.maxConcurrent) ? spec.maxConcurrent : -1}`);
  return {
    order: spec.dimensions.map((d) => d.index),
    interval,
    tolerance,
    maxTolerance: Math.max(0, ...tolerance),
    lead: spec.providerDelayMs,
    maxConcurrent: spec.maxConcurrent,
    leaseTtlMs,
    fingerprint: parts.join(','),
  };
}

/** What the fleet had started, per dimension, at one moment (NaN where not written). */
export interface RingSnapshot {
  readonly at: number;
  readonly started: Float64Array;
}

interface Reservation {
  readonly start: number;
  readonly costs: Float64Array;
}

export class MemoryLimiterKeys {
  // ---- the state hash (KEYS[1]) ----
  /** GCRA TAT per dimension; -Infinity: a full bucket (no field). */
  readonly tat = new Float64Array(DIMENSIONS).fill(-Infinity);
  /** 'p': no admission but forced ones before this. */
  pauseUntil = -Infinity;
  /** 'c': units the fleet's admissions ever charged. */
  readonly charged = new Float64Array(DIMENSIONS);
  /** 'f': when the provider's figures last set (or confirmed) the level. */
  readonly synced = new Float64Array(DIMENSIONS).fill(-Infinity);
  /** 'q': reservations not started yet; `pending` sums their costs. */
  private reservations: Reservation[] = [];
  private readonly pending = new Float64Array(DIMENSIONS);
  /** 'r<slot>t' and 'r<slot>:<index>': the transit ring. */
  private readonly ring: (RingSnapshot | undefined)[] = new Array<RingSnapshot | undefined>(RING_SLOTS);
  /** 'x': the hash's expiry (-Infinity: no hash). */
  private hashExpiresAt = -Infinity;

  // ---- the other keys ----
  /** KEYS[2]: lease id -> expiry. */
  readonly leases = new Map<string, number>();
  /** The leases key's own expiry (Infinity: none yet, as a key ZADD just created). */
  private leasesExpireAt = Infinity;
  /** KEYS[3]: the last checking caller's fingerprint. */
  private config: { fingerprint: string; expiresAt: number } | undefined;
  /** KEYS[4]: live process id -> expiry. */
  private readonly processes = new Map<string, number>();

  /** Drops the keys whose TTL ran out, as Redis would before any command touches them. */
  expire(now: number): void {
    // Redis deletes a key once now > its expiry: the whole hash goes, charges and ring included.
    if (now > this.hashExpiresAt && this.hashExpiresAt !== -Infinity) {
      this.tat.fill(-Infinity);
      this.pauseUntil = -Infinity;
      this.charged.fill(0);
      this.synced.fill(-Infinity);
      this.reservations = [];
      this.pending.fill(0);
      this.ring.fill(undefined);
      this.hashExpiresAt = -Infinity;
    }
    // Leases that vanish with their key were never reclaimed by anyone: not counted as expired.
    if (now > this.leasesExpireAt) this.leases.clear();
    if (this.config && now > this.config.expiresAt) this.config = undefined;
  }

  /** Keeps the hash alive until `untilMs` (+ margin), moving its expiry only when it must (saveState). */
  keepUntil(untilMs: number): void {
    const want = Math.ceil(untilMs) + MARGIN_MS;
    if (want > this.hashExpiresAt) this.hashExpiresAt = want + HASH_SLACK_MS;
  }

  /** The hash must live until its furthest TAT or pause (saveTats). */
  keepForState(spec: CallerSpec, now: number): void {
    let furthest = now > this.pauseUntil ? now : this.pauseUntil;
    for (const i of spec.order) if (this.tat[i]! > furthest) furthest = this.tat[i]!;
    this.keepUntil(furthest);
  }

  // ---- reservations and the transit ring ----

  /** Forgets the reservations started by now; true when any was (the script then rewrites 'q'). */
  pruneReservations(now: number): boolean {
    const kept = this.reservations.filter((r) => r.start > now);
    if (kept.length === this.reservations.length) return false;
    this.reservations = kept;
    this.pending.fill(0);
    for (const r of kept) for (let i = 0; i < DIMENSIONS; i++) this.pending[i] = this.pending[i]! + r.costs[i]!;
    return true;
  }

  addReservation(start: number, costs: ArrayLike<number>, spec: CallerSpec): void {
    const copy = new Float64Array(DIMENSIONS);
    for (const i of spec.order) copy[i] = costs[i] ?? 0;
    this.reservations.push({ start, costs: copy });
    for (const i of spec.order) this.pending[i] = this.pending[i]! + copy[i]!;
  }

  /** What the fleet had started by now on dimension `i`: charged less the reservations still ahead. */
  started(i: number): number {
    return this.charged[i]! - this.pending[i]!;
  }

  /** Overwrites this moment's ring slot with the started charges (slot width max(5, lead / 8) ms). */
  recordStarted(spec: CallerSpec, now: number): void {
    const width = Math.max(5, spec.lead / 8);
    // Lua's % is a floored modulo: never negative, even for a clock that starts below zero.
    const slot = ((Math.floor(now / width) % RING_SLOTS) + RING_SLOTS) % RING_SLOTS;
    const started = new Float64Array(DIMENSIONS).fill(NaN);
    for (const i of spec.order) started[i] = this.started(i);
    this.ring[slot] = { at: now, started };
  }

  /** The latest snapshot at or before `moment` (undefined when the ring does not reach back that far). */
  snapshotAt(moment: number): RingSnapshot | undefined {
    let best: RingSnapshot | undefined;
    for (const snapshot of this.ring) if (snapshot && snapshot.at <= moment && (!best || snapshot.at > best.at)) best = snapshot;
    return best;
  }

  /** What the fleet had started on dimension `i` by `moment`, at most; undefined when not known. */
  startedBy(i: number, moment: number): number | undefined {
    const value = this.snapshotAt(moment)?.started[i];
    return value === undefined || Number.isNaN(value) ? undefined : value;
  }

  // ---- leases ----

  addLease(id: string, expiresAt: number): void {
    // ZADD on a missing (or emptied, hence deleted) key creates it without a TTL.
    if (this.leases.size === 0) this.leasesExpireAt = Infinity;
    this.leases.set(id, expiresAt);
  }

  /** Removes the leases expired by now (ZREMRANGEBYSCORE -inf now); returns how many. */
  reclaimLeases(now: number): number {
    let reclaimed = 0;
    for (const [id, expiresAt] of this.leases) {
      if (expiresAt <= now) {
        this.leases.delete(id);
        reclaimed++;
      }
    }
    return reclaimed;
  }

  /** The script's extend(): the leases key lives at least `ms` (+ margin) more, never less than it did. */
  extendLeases(ms: number, now: number): void {
    if (this.leases.size === 0) return;
    const want = now + Math.ceil(ms) + MARGIN_MS;
    if (this.leasesExpireAt === Infinity || this.leasesExpireAt < want) this.leasesExpireAt = want;
  }

  /** Leases not expired by now, and the earliest expiry among them (Infinity when none). */
  liveLeases(now: number): { count: number; earliest: number } {
    let count = 0;
    let earliest = Infinity;
    for (const expiresAt of this.leases.values()) {
      if (expiresAt > now) {
        count++;
        if (expiresAt < earliest) earliest = expiresAt;
      }
    }
    return { count, earliest };
  }

  /** The earliest expiry of any lease held (expired ones included, as ZRANGE 0 0 reads it). */
  firstLeaseExpiry(): number {
    let earliest = Infinity;
    for (const expiresAt of this.leases.values()) if (expiresAt < earliest) earliest = expiresAt;
    return earliest;
  }

  // ---- configuration and live processes ----

  /** Stores `fingerprint` for `ttlMs` (+ margin); true when another caller's, still live, differed. */
  swapFingerprint(fingerprint: string, ttlMs: number, now: number): boolean {
    const old = this.config?.fingerprint;
    this.config = { fingerprint, expiresAt: now + Math.ceil(ttlMs) + MARGIN_MS };
    return old !== undefined && old !== fingerprint;
  }

  liveProcesses(now: number): number {
    let live = 0;
    for (const expiresAt of this.processes.values()) if (expiresAt > now) live++;
    return live;
  }

  /** Registers `processId` as live until now + ttl; returns the live processes (the script's 'hello'). */
  hello(processId: string, ttlMs: number, now: number): number {
    for (const [id, expiresAt] of this.processes) if (expiresAt <= now) this.processes.delete(id);
    this.processes.set(processId, now + ttlMs);
    return this.processes.size;
  }
}
