/**
 * Admission in this process: the buckets of a LimiterStore (memory by default), answered
 * synchronously, and the provider's headers followed on them (provider-state.ts). This is where
 * a token is reserved (`admit`: every dimension or none), where it is given back (`release`), and
 * what a response's figures and a 429's retry-after do to the buckets (`follow`).
 */
import { type AdmitReply, type Admission, type AdmissionAsk, type Grant } from './admission.js';
import { ChargeLearner, type ChargeRule } from './charge-learner.js';
import { dimensionCost, RATE_DIMENSIONS } from './dimensions.js';
import type { Lease } from './lease.js';
import { CONCURRENCY_INDEX, type LimiterBackend, NO_SLOT, PAUSE_INDEX, REFUSED } from './limiter-store.js';
import type { ProviderRateLimitState } from './limiter-types.js';
import type { LimitTable } from './limit-table.js';
import { ProviderLead } from './provider-lead.js';
import { hasFigures, ProviderFollower } from './provider-state.js';
import { TransitLog } from './transit-log.js';
import { hasRefund } from './usage-deltas.js';

const DIMENSION_COUNT = RATE_DIMENSIONS.length;
/** Index of outputTokensPerMinute in RATE_DIMENSIONS. */
const OUTPUT_TOKENS = 3;

export interface LocalAdmissionOptions {
  /** The configured provider delay: the lead charged from a full bucket, and the floor of the learned one. */
  readonly providerDelayMs: number;
  /** Start cautious and learn the lead from the provider's refusals (provider-lead.ts). */
  readonly learnProviderDelay: boolean;
  readonly learnLimits: boolean;
  readonly learnedBurstSeconds: number;
  readonly learnChargeRule: boolean;
}

/**
 * The admission is its own Grant (the last admission's, reused: the queue reads it before the
 * next one): an admission at once writes its slot into the object it already reads, not into a
 * second one (with thousands of limiters, each object touched is a cache miss of its own).
 */
export class LocalAdmission implements Admission, Grant {
  // Fields in the order an admission at once reads them.
  readonly backend: LimiterBackend;
  /** An admission takes a concurrency slot: the cap set by setMaxConcurrent is finite. */
  slotted = false;
  slot = -1;
  generation = 0;
  /**
   * What was admitted within the lead (unseen by the provider's figures). From the start with a
   * configured delay (or a careful start); otherwise from the first figures, so that a limiter
   * that never sees any (a wrapped function, not an HTTP API) logs nothing per admission.
   */
  private transit: TransitLog | undefined;
  /** How long our requests may take to reach the provider, as configured or learned. */
  private readonly lead: ProviderLead;
  /** Headers with figures have been seen: leases carry what the provider's figures may lack. */
  private followsHeaders = false;
  private awaitingFigures = false;
  readonly leaseId = null;
  delayMs = 0;
  readonly grant: Grant = this;
  /** The answer of the last batch (reused). */
  readonly lastReply: AdmitReply = { admitted: 0, grants: [this], refused: false, waitMs: 0, dimension: -1 };
  readonly shared = false;
  readonly maxBatch = 1;
  private readonly costs = new Float64Array(DIMENSION_COUNT);
  private readonly single = new Float64Array(DIMENSION_COUNT);
  private readonly follower: ProviderFollower;
  private readonly chargedOf = (dimension: number): number => this.backend.charged(dimension);
  private readonly table: LimitTable;
  private readonly options: LocalAdmissionOptions;

  constructor(backend: LimiterBackend, table: LimitTable, options: LocalAdmissionOptions) {
    this.backend = backend;
    this.table = table;
    this.options = options;
    this.lead = new ProviderLead(options.providerDelayMs, options.learnProviderDelay);
    this.transit = this.lead.floorMs > 0 ? new TransitLog(this.lead.maxMs) : undefined;
    this.follower = new ProviderFollower(backend, table, this.transit, { ...options, lead: this.lead });
  }

  /**
   * The synchronous fast path: admits `costs` now or refuses (REFUSED; why is in the backend's
   * refusal fields). On admission `grant` holds the slot.
   */
  tryAdmit(costs: Float64Array, slot: boolean, now: number, force: boolean): number {
    const taken = this.backend.tryAdmit(costs, slot, now, force);
    if (taken === REFUSED) return REFUSED;
    this.slot = taken === NO_SLOT ? -1 : taken;
    this.generation = taken === NO_SLOT ? 0 : this.backend.lastSlotGeneration;
    return taken;
  }

  admit(batch: readonly AdmissionAsk[], now: number): AdmitReply {
    const reply = this.lastReply;
    reply.admitted = 0;
    reply.refused = false;
    reply.dimension = -1;
    reply.waitMs = 0;
    // One at a time: the queue takes a batch of one (maxBatch), and the grant object is reused.
    const ask = batch[0];
    if (!ask) return reply;
    if (this.tryAdmit(ask.costsInto(this.costs), ask.slot, now, ask.force === true) === REFUSED) {
      reply.refused = true;
      reply.dimension = this.backend.refusalDimension;
      reply.waitMs = reply.dimension === CONCURRENCY_INDEX ? this.backend.nextSlotExpiryMs(now) : this.backend.refusalWaitMs;
    } else {
      this.delayMs = 0;
      reply.admitted = 1;
    }
    return reply;
  }

  /**
   * The provider's figures are coming (a careful start): the requests admitted before the first
   * one keep where the charges stood, so that it is read against those admitted after it (the
   * first figure of four careful requests lacked the other three: two 429s on limits told 50 % high).
   */
  expectFigures(): void {
    this.awaitingFigures = true;
    this.startTransit();
  }

  admitted(lease: Lease, _grant: Grant, _reply: AdmitReply, now: number): void {
    this.transit?.record(now, this.chargedOf);
    if (!this.followsHeaders && !this.awaitingFigures) return;
    lease.transitBase = this.transitBase(lease, now);
    this.follower.chargeLearner?.recordAdmission(lease);
  }

  release(lease: Lease, deltas: Float64Array | null, now: number): boolean {
    const freed = lease.slotIndex >= 0 && this.backend.releaseSlot(lease.slotIndex, lease.slotGeneration);
    if (deltas === null) return freed;
    // Where the provider's figures set our level since this admission, they hold what it really
    // charged this request: refunding our estimate's excess would count it twice. Output tokens
    // are the exception: their refund is the provider's own, at the end of the call (Anthropic's
    // unused max_tokens), after the figures it sent with the response were taken.
    const syncedAt = this.follower.syncedAt;
    for (let d = 0; d < DIMENSION_COUNT; d++) if (deltas[d]! < 0 && d !== OUTPUT_TOKENS && syncedAt[d]! >= lease.admittedAt) deltas[d] = 0;
    this.backend.adjust(deltas, now);
    return freed || hasRefund(deltas);
  }

  cancel(grant: Grant, costs: Float64Array, _lease: Lease | undefined, now: number): void {
    if (grant.slot >= 0) this.backend.releaseSlot(grant.slot, grant.generation);
    this.backend.adjust(Float64Array.from(costs, (c) => -c), now);
  }

  follow(state: ProviderRateLimitState, pauseMs: number, lease: Lease | undefined, now: number): void {
    if (pauseMs > 0) this.backend.pauseUntil(now + pauseMs);
    if (!this.followsHeaders && hasFigures(state)) {
      this.followsHeaders = true;
      this.startTransit();
      if (this.options.learnChargeRule) this.follower.chargeLearner = new ChargeLearner(this.lead);
    }
    this.lead.at(now);
    this.follower.apply(state, now, lease);
  }

  clearPause(): void {
    this.backend.clearPause();
  }

  waitForCostsMs(costs: Float64Array, now: number): number {
    return this.backend.waitForCostsMs(costs, now);
  }

  blockingDimension(costs: Float64Array, now: number): number {
    if (now < this.backend.pausedUntil) return PAUSE_INDEX;
    let worst = CONCURRENCY_INDEX;
    let worstWait = -1;
    for (const d of this.table.dimensions) {
      this.single.fill(0);
      this.single[d.index] = costs[d.index]!;
      const wait = this.backend.waitForCostsMs(this.single, now);
      if (wait > worstWait) {
        worstWait = wait;
        worst = d.index;
      }
    }
    return worst;
  }

  providerLeadMs(now: number): number {
    return this.lead.peek(now);
  }

  pausedForMs(now: number): number {
    return Math.max(0, this.backend.pausedUntil - now);
  }

  level(dimension: number, now: number): number {
    return this.backend.level(dimension, now);
  }

  get inFlight(): number {
    return this.backend.inFlight;
  }

  get expiredLeases(): number {
    return this.backend.expiredSlots;
  }

  setMaxConcurrent(cap: number): number {
    this.backend.setMaxConcurrent(cap);
    this.slotted = Number.isFinite(cap);
    return cap;
  }

  get chargeRule(): ChargeRule {
    return this.follower.chargeLearner?.rule ?? 'input+max_tokens';
  }

  noteRateLimited(now: number): void {
    this.follower.chargeLearner?.reset();
    this.lead.rateLimited(now);
  }

  /** Sets every enforced dimension's available units (indexed like RATE_DIMENSIONS): where a failover's local share starts. */
  startFrom(levels: ArrayLike<number>, now: number): void {
    for (const d of this.table.dimensions) this.backend.setLevel(d.index, levels[d.index] ?? 0, now);
  }

  status(): undefined {
    return undefined;
  }

  close(): void {}

  /**
   * Starts the transit log (when a lead can be learned and none is kept yet). What was admitted
   * before is taken as arrived: nothing said otherwise before (a configured delay of 0).
   */
  private startTransit(): void {
    if (this.transit || !(this.lead.maxMs > 0)) return;
    this.transit = new TransitLog(this.lead.maxMs);
    this.transit.record(-Infinity, this.chargedOf);
    this.follower.transit = this.transit;
  }

  /** What had been charged per minute dimension up to the provider delay before `now` (undefined when unknown; see Lease.transitBase). */
  private transitBase(lease: Lease, now: number): Float64Array | undefined {
    // Against the lead in force (NaN where the log no longer reaches back that far: no raise on
    // it), then against the configured delay (lease.ts).
    const base = new Float64Array(8);
    const learnedSince = now - this.lead.at(now);
    const floorSince = now - this.lead.floorMs;
    for (let d = 0; d < 4; d++) {
      const charged = this.backend.charged(d);
      // This admission itself is after it, whatever the lead (a lead of 0 reads its own entry as before).
      const own = dimensionCost(d, lease.tokens, lease.inputTokens, lease.outputTokens);
      const atFloor = this.transit ? this.transit.chargedAfter(floorSince, d, charged) : own;
      if (Number.isNaN(atFloor)) return undefined;
      base[4 + d] = charged - (atFloor > own ? atFloor : own);
      const learned = this.transit ? this.transit.chargedAfter(learnedSince, d, charged) : own;
      base[d] = Number.isNaN(learned) ? NaN : charged - (learned > own ? learned : own);
    }
    return base;
  }
}
