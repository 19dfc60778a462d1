/**
 * One limiter's state in Redis, shared by every process using the same prefix and key. Each method
 * is one atomic script call (one round trip) with a deadline; a failure rejects with StoreError,
 * never with a rate-limit error. The limiter's queue, priorities and waiting stay in the process.
 */
import type { LimiterSpec } from '../limiter/limiter-store.js';
import type { ProviderFigure, SharedAdmitReply, SharedAdmitRequest, SharedGrant, SharedLimiterBackend } from '../limiter/shared-store.js';
import { ADMISSION_SCRIPT, type ScriptOp } from './admission-script.js';
import type { RedisScriptClient } from './client.js';
import { type LimiterKeys, limiterKeys } from './keys.js';
import { badReply, replyArray, replyNumber } from './replies.js';
import { pushPerDimension, scriptArgs, type SpecArgs, specArgs } from './script-args.js';
import { DEFAULT_STORE_TIMEOUT_MS, ScriptRunner } from './script-runner.js';

/** The outcome of {@link RedisLimiterBackend.admit}. */
export type RedisAdmission =
  | { readonly admitted: true; readonly leaseId: string | null }
  | {
      readonly admitted: false;
      /** Ms until the request would fit (Redis time): sleep this long, then ask again. */
      readonly waitMs: number;
      /** The dimension index that held it, CONCURRENCY_INDEX or PAUSE_INDEX. */
      readonly dimension: number;
    };

/** A snapshot of the shared state. */
export interface RedisLimiterState {
  /** Units available now per dimension, indexed like RATE_DIMENSIONS (NaN where not configured). */
  readonly levels: readonly number[];
  /** Leases held and not expired, by every process. */
  readonly inFlight: number;
  /** Ms until the earliest lease expires (Infinity when none). */
  readonly nextLeaseExpiryMs: number;
  /** Ms of pause left (0 when none). */
  readonly pauseRemainingMs: number;
}

export interface RedisLimiterBackendOptions {
  /** Lease TTL in Redis (renewed while the call runs). Default: the spec's leaseTimeoutMs. */
  readonly leaseTtlMs?: number;
  /** Deadline of each call. Default 250 ms. */
  readonly timeoutMs?: number;
  /** Compare this process's limits with the other processes' (default true). */
  readonly checkConfig?: boolean;
  /** How often the limits are compared with the other processes' (ms). Default 10 000. */
  readonly configCheckMs?: number;
  /** Called when another process was seen using different limits (once per change to a mismatch). */
  readonly onConfigMismatch?: (ours: string) => void;
  /** Lease id generator (default: crypto.randomUUID). */
  readonly leaseId?: () => string;
}

/** How often this process's limits are compared with the other processes' (ms). */
const CONFIG_CHECK_MS = 10_000;

/** Rate dimension count (RATE_DIMENSIONS.length). */
const DIMENSIONS = 6;

export class RedisLimiterBackend implements SharedLimiterBackend {
  readonly keys: LimiterKeys;
  private readonly runner: ScriptRunner;
  private readonly args: SpecArgs;
  /** The configured provider delay: what a figure is read against when the caller names none. */
  private readonly providerDelayMs: number;
  private readonly newLeaseId: () => string;
  /** True when the last call saw a different configuration stored by another process. */
  configMismatch = false;
  /** Expired leases this process reclaimed (crashed or stuck holders, anywhere in the fleet). */
  expiredSlots = 0;
  private configCheckedAt = -Infinity;
  /** Redis's clock minus performance.now(), from the last admission (undefined before it). */
  private redisOffsetMs: number | undefined = undefined;
  /** The quickest round trip lately (slowly forgotten, so a network that slows down is followed). */
  private fastestRoundTripMs = Infinity;
  private readonly timeoutMs: number;

  constructor(
    client: RedisScriptClient,
    prefix: string,
    key: string,
    spec: LimiterSpec,
    private readonly options: RedisLimiterBackendOptions = {},
  ) {
    this.keys = limiterKeys(prefix, key);
    this.runner = new ScriptRunner(client, ADMISSION_SCRIPT, { timeoutMs: options.timeoutMs });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    this.args = specArgs(spec, options.leaseTtlMs);
    this.providerDelayMs = spec.providerDelayMs;
    this.newLeaseId = options.leaseId ?? (() => globalThis.crypto.randomUUID());
  }

  /**
   * Admits a batch in order, each request on every dimension (and a lease when it asks for a
   * slot) or not at all, stopping at the first that does not fit: a refusal charges nothing.
   * `countLive`: also count the live processes (a ZCOUNT in Redis; the caller keeps the last count).
   */
  async admit(batch: readonly SharedAdmitRequest[], baseLeadMs?: number, countLive = true): Promise<SharedAdmitReply> {
    const wantBase = baseLeadMs !== undefined;
    // Redis is told, in its clock, the last moment its answer can still reach us before we stop
    // waiting (four fifths of our timeout: the last fifth is for the way back): a Redis that freezes
    // and runs the call late admits nothing rather than charge for requests that will never be sent.
    const sentAt = performance.now();
    const deadline = this.redisOffsetMs === undefined ? '' : String(sentAt + this.redisOffsetMs + this.timeoutMs * 0.8);
    const args = this.begin('admit', sentAt);
    args.push(deadline, wantBase ? String(Math.max(0, baseLeadMs)) : '', countLive ? '1' : '0', batch.length);
    // The lease ids sent, in batch order (null without a slot): the reply names none.
    const leaseIds: (string | null)[] = [];
    for (const request of batch) {
      const maxWait = Number.isFinite(request.maxWaitMs) ? String(Math.max(0, request.maxWaitMs)) : '1e300';
      const leaseId = request.slot ? this.newLeaseId() : null;
      leaseIds.push(leaseId);
      args.push(request.force ? '1' : '0', request.slot ? '1' : '0', leaseId ?? '', maxWait);
      pushPerDimension(args, this.args, request.costs);
    }
    const reply = await this.call('admit', 8, args);
    const answeredAt = performance.now();
    this.expiredSlots += replyNumber('admit', reply, 2);
    const count = replyNumber('admit', reply, 0);
    if (count > batch.length || reply.length < 8 + count + this.args.order.length) throw badReply('admit', reply);
    const admitted: SharedGrant[] = [];
    for (let i = 0; i < count; i++) admitted.push({ leaseId: leaseIds[i]!, delayMs: replyNumber('admit', reply, 8 + i) });
    // Redis TIME as the script read it, turned into ms by the same arithmetic as the script's.
    const storeTime = replyNumber('admit', reply, 5) * 1000 + replyNumber('admit', reply, 6) / 1000;
    const charged = new Array<number>(DIMENSIONS).fill(NaN);
    const base = wantBase ? new Array<number>(DIMENSIONS).fill(NaN) : undefined;
    const order = this.args.order;
    const at = 8 + count;
    for (let i = 0; i < order.length; i++) {
      charged[order[i]!] = replyNumber('admit', reply, at + i);
      if (base && reply[at + order.length + i] !== '') base[order[i]!] = replyNumber('admit', reply, at + order.length + i);
    }
    // Redis time minus ours, taken at the middle of the round trip, from the quickest round trips
    // (NTP's rule: a slow one may have been slow one way only).
    const roundTripMs = answeredAt - sentAt;
    this.fastestRoundTripMs = Math.min(this.fastestRoundTripMs * 1.01, roundTripMs);
    if (this.redisOffsetMs === undefined || roundTripMs <= 2 * this.fastestRoundTripMs + 1) this.redisOffsetMs = storeTime - (sentAt + answeredAt) / 2;
    const liveProcesses = reply[7] === '' ? undefined : replyNumber('admit', reply, 7);
    const dimension = replyNumber('admit', reply, 4);
    // No wait: nothing refused (all admitted, or the batch stopped after a reservation on `dimension`).
    if (reply[3] === '') return { admitted, refused: false, waitMs: 0, dimension, storeTime, liveProcesses, charged, base };
    return { admitted, refused: true, waitMs: replyNumber('admit', reply, 3), dimension, storeTime, liveProcesses, charged, base };
  }

  /** One request, admitted only if it fits now: {@link admit} with a batch of one. */
  async admitOne(costs: ArrayLike<number>, wantsSlot: boolean, force: boolean): Promise<RedisAdmission> {
    const reply = await this.admit([{ costs, slot: wantsSlot, force, maxWaitMs: 0 }]);
    if (reply.admitted.length === 1) return { admitted: true, leaseId: reply.admitted[0]!.leaseId };
    return { admitted: false, waitMs: reply.waitMs, dimension: reply.dimension };
  }

  /** Ms until `costs` fit on the rate dimensions and the pause (ignoring concurrency), and what holds them (-1: nothing). */
  async waitFor(costs: ArrayLike<number>): Promise<{ waitMs: number; dimension: number }> {
    const args = this.begin('wait');
    pushPerDimension(args, this.args, costs);
    const reply = await this.call('wait', 4, args);
    return { waitMs: replyNumber('wait', reply, 2), dimension: replyNumber('wait', reply, 3) };
  }

  /** Frees a lease (null: none) and reconciles usage (null: none) in one call; see SharedLimiterBackend.settle. */
  async settle(leaseId: string | null, deltas: ArrayLike<number> | null, admittedAt?: number): Promise<void> {
    await this.settleReply(leaseId, deltas, admittedAt);
  }

  /** Reconciles usage: positive deltas debit (TAT forward), negative refund (never above a full bucket). */
  async adjust(deltas: ArrayLike<number>): Promise<void> {
    await this.settleReply(null, deltas);
  }

  /** Frees a lease; false when it was unknown, already released or expired (idempotent). */
  async releaseSlot(leaseId: string): Promise<boolean> {
    return (await this.settleReply(leaseId, null)) === 1;
  }

  /** Extends leases by the lease TTL from now; resolves to how many were still held. */
  async renew(leaseIds: readonly string[]): Promise<number> {
    const args = this.begin('renew');
    args.push(leaseIds.length);
    for (const id of leaseIds) args.push(id);
    return replyNumber('renew', await this.call('renew', 2, args), 0);
  }

  /** Extends one lease; false when it already expired or was released. */
  async renewSlot(leaseId: string): Promise<boolean> {
    return (await this.renew([leaseId])) === 1;
  }

  /** Registers this process as live for `ttlMs`; resolves to the number of live processes. */
  async hello(processId: string, ttlMs: number): Promise<number> {
    const args = this.begin('hello');
    args.push(processId, String(Math.max(1, Math.ceil(ttlMs))));
    return replyNumber('hello', await this.call('hello', 3, args), 2);
  }

  /** Pauses non-forced admission for `ms` (never shortens a longer pause); resolves to the pause left. */
  async pause(ms: number): Promise<number> {
    const args = this.begin('pause');
    args.push(String(Math.max(0, ms)));
    return replyNumber('pause', await this.call('pause', 3, args), 2);
  }

  /** Ends the fleet's pause at once. */
  async clearPause(): Promise<void> {
    await this.call('unpause', 2, this.begin('unpause'));
  }

  /**
   * Lowers a dimension's available units to `units` (a bound taken as given). Never raises it.
   * Resolves to whether it changed.
   */
  async setLevel(dimension: number, units: number): Promise<boolean> {
    return (await this.followReply(undefined, [{ index: dimension, remaining: units, exact: false, ownCost: 0 }]))[0] === 1;
  }

  async follow(pauseMs: number | undefined, figures: readonly ProviderFigure[], leadMs?: number): Promise<void> {
    await this.followReply(pauseMs, figures, leadMs);
  }

  private async followReply(pauseMs: number | undefined, figures: readonly ProviderFigure[], leadMs = this.providerDelayMs): Promise<readonly unknown[]> {
    const args = this.begin('follow');
    args.push(pauseMs === undefined ? '' : String(Math.max(0, pauseMs)), String(Math.max(0, leadMs)), figures.length);
    const text = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '' : String(n));
    for (const f of figures) {
      args.push(f.index, String(f.remaining), f.exact ? '1' : '0', text(f.refillPerMs), text(f.refillCap ?? Infinity) || '1e300', text(f.base), text(f.admittedAt), String(f.ownCost));
    }
    return this.call('follow', 3 + figures.length, args);
  }

  /** Levels, leases and pause as Redis sees them now. */
  async state(): Promise<RedisLimiterState> {
    const reply = await this.call('state', 5 + this.args.order.length, this.begin('state'));
    const levels: number[] = new Array<number>(DIMENSIONS).fill(NaN);
    this.args.order.forEach((index, i) => {
      levels[index] = replyNumber('state', reply, 5 + i);
    });
    const next = reply[4];
    return {
      levels,
      inFlight: replyNumber('state', reply, 3),
      nextLeaseExpiryMs: next === '' ? Infinity : replyNumber('state', reply, 4),
      pauseRemainingMs: replyNumber('state', reply, 2),
    };
  }

  private async settleReply(leaseId: string | null, deltas: ArrayLike<number> | null, admittedAt?: number): Promise<number> {
    const args = this.begin('settle');
    args.push(leaseId ?? '', admittedAt === undefined || !Number.isFinite(admittedAt) ? '' : String(admittedAt));
    if (deltas) pushPerDimension(args, this.args, deltas);
    else for (let i = 0; i < this.args.order.length; i++) args.push('0');
    return replyNumber('settle', await this.call('settle', 2, args), 0);
  }

  /**
   * The configurations are compared once per configCheckMs, not on every call (a GET and a SET
   * less): true when this call is the one. The arguments built must then carry the fingerprint.
   */
  private checkDue(now: number): boolean {
    const check = this.options.checkConfig !== false && now - this.configCheckedAt >= (this.options.configCheckMs ?? CONFIG_CHECK_MS);
    if (check) this.configCheckedAt = now;
    return check;
  }

  /** The ARGV of an `op` call so far (op, the fingerprint when due, header), for its own arguments to be pushed onto. */
  private begin(op: ScriptOp, now = performance.now()): (string | number)[] {
    return scriptArgs(op, this.args, this.checkDue(now) ? this.args.fingerprint : '');
  }

  /** Runs the call built by {@link begin}; a fingerprint in it (ARGV[2]) means the reply's mismatch flag is news. */
  private async call(op: ScriptOp, minLength: number, args: readonly (string | number)[]): Promise<readonly unknown[]> {
    const raw = await this.runner.run(op, this.keys.all, args);
    // Admit answers its list joined into one string (see admission-script.ts).
    const reply = replyArray(op, op === 'admit' && typeof raw === 'string' ? raw.split(',') : raw, minLength);
    if (args[1] !== '') {
      const mismatch = reply[1] === 1 || reply[1] === '1';
      if (mismatch && !this.configMismatch) this.options.onConfigMismatch?.(this.args.fingerprint);
      this.configMismatch = mismatch;
    }
    return reply;
  }
}
