/**
 * What one request is admitted against: the whole key's limits (`limitScope: 'key'`), or the
 * limits of the model it names (`'model'`: OpenAI's limits are per model, so two models on one key
 * draw on separate buckets). Each scope has its own buckets and concurrency count, its own wait
 * queue and its own independent audit, so a violation is found, and counted, where it happened.
 */
import { amountFor, type Charge } from './accounting.js';
import { type Admission, KeyLimiter, type Refusal } from './key-limiter.js';
import { LimitAudit } from './limit-audit.js';
import type { LimitSet, ResolvedKey } from './resolve-config.js';
import type { TimerRegistry } from './timers.js';
import { WaitQueue } from './wait-queue.js';

/**
 * Models one key tracks apart at most: a client sending a new model name on every request must
 * not grow the server without bound (past it, a request naming a new model gets 400).
 */
export const MAX_MODELS_PER_KEY = 1000;

/** Admits (and records) `charge` in `scope` now, or refuses it taking nothing. */
export type ScopeAdmit = (scope: LimitScope, charge: Charge) => Admission | Refusal;

/** The run-time state of one set of limits. */
export class LimitScope {
  readonly limiter: KeyLimiter;
  readonly audit: LimitAudit;
  readonly queue: WaitQueue;
  /** Requests admitted, and refused for a limit, since the start or the last reset. */
  admitted = 0;
  rejected = 0;

  constructor(
    /** The model whose limits these are; undefined for the whole key. */
    readonly model: string | undefined,
    private readonly limits: LimitSet,
    now: number,
    /** Wall time minus `now`, for limits that reset at midnight. */
    wallOffsetMs: number,
    timers: TimerRegistry,
    admit: ScopeAdmit,
  ) {
    this.limiter = new KeyLimiter(limits.buckets, limits.maxConcurrent, now, wallOffsetMs);
    this.audit = new LimitAudit(limits.buckets, limits.maxConcurrent, now, wallOffsetMs);
    this.queue = new WaitQueue((charge) => admit(this, charge), timers);
  }

  /** An admission, for the audit (which never looks at a bucket). */
  recordAdmission(charge: Charge, now: number): void {
    this.admitted++;
    for (const spec of this.limits.buckets) this.audit.record(spec.dimension, amountFor(spec.dimension, charge), now);
    this.audit.enter(now);
  }

  /** The end of a request admitted at `admittedAt`: what the accounting gave back, and its slot. */
  recordRelease(admitted: Charge, settled: Charge, now: number, admittedAt: number): void {
    for (const spec of this.limits.buckets) this.audit.record(spec.dimension, amountFor(spec.dimension, settled) - amountFor(spec.dimension, admitted), now, admittedAt);
    this.audit.exit();
  }

  /** Buckets full again, audit and counts restarted (requests in flight stay counted as such). */
  reset(now: number): void {
    this.limiter.refill(now);
    this.audit.restart(now);
    this.admitted = 0;
    this.rejected = 0;
  }
}

/** The scopes of one key: the whole key, or one per model named, each created on first use. */
export class KeyScopes {
  private readonly whole: LimitScope | undefined;
  private readonly byModel = new Map<string, LimitScope>();

  constructor(
    private readonly config: ResolvedKey,
    private readonly create: (model: string | undefined, limits: LimitSet) => LimitScope,
  ) {
    this.whole = config.limitScope === 'key' ? create(undefined, config) : undefined;
  }

  /** The scope a request naming `model` is admitted in; undefined past {@link MAX_MODELS_PER_KEY} models. */
  for(model: string): LimitScope | undefined {
    if (this.whole) return this.whole;
    let scope = this.byModel.get(model);
    if (scope === undefined && this.byModel.size < MAX_MODELS_PER_KEY) {
      scope = this.create(model, this.config.modelLimits.get(model) ?? this.config);
      this.byModel.set(model, scope);
    }
    return scope;
  }

  /** The scope of the whole key; undefined when limits are per model. */
  get key(): LimitScope | undefined {
    return this.whole;
  }

  /** Every scope, the models in the order they were first named. */
  all(): LimitScope[] {
    return this.whole ? [this.whole] : [...this.byModel.values()];
  }
}
