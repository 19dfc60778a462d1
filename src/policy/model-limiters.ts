/**
 * A service's rate limiters per model (`rateLimit.perModel`), for providers whose limits are per
 * model (OpenAI: two models on one key have separate limits). Each model's limiter is created on
 * its first call (by service-limiters.ts: the service's options, named `<service>/<model>`) and
 * learns its own limits from the headers of its own responses. Their number is bounded: a model
 * name made up per request (a typo, a version string) must not grow memory without bound; past
 * the bound, new models share the service's own limiter, and one warning says so.
 */
import type { Clock } from '../core/clock.js';
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import type { RateLimiter, RateLimiterStats } from '../limiter/rate-limiter.js';

/** Models a service keeps a limiter of its own for, at most. */
export const MAX_MODEL_LIMITERS = 64;

export class ModelLimiters {
  private readonly byModel = new Map<string, RateLimiter>();
  private warned = false;

  constructor(
    private readonly service: string,
    /** Makes the limiter of a model. */
    private readonly create: (model: string) => RateLimiter,
    private readonly events: EventChannel<ResilienceEvent>,
    private readonly clock: Clock,
  ) {}

  /** The limiter of `model`, created on first use; undefined once the bound is reached (the caller uses the service's own). */
  limiterOf(model: string): RateLimiter | undefined {
    const limiter = this.byModel.get(model);
    if (limiter !== undefined) return limiter;
    if (this.byModel.size >= MAX_MODEL_LIMITERS) {
      if (!this.warned) {
        this.warned = true;
        this.events.emit({ type: 'model_limiters_full', service: this.service, at: this.clock.wallTime(), model, maxModelLimiters: MAX_MODEL_LIMITERS });
      }
      return undefined;
    }
    const created = this.create(model);
    this.byModel.set(model, created);
    return created;
  }

  /** The limiter of `model` if it has one, without creating it. */
  existing(model: string): RateLimiter | undefined {
    return this.byModel.get(model);
  }

  /** Every model's limiter, in the order the models were first called. */
  get limiters(): ReadonlyMap<string, RateLimiter> {
    return this.byModel;
  }
}

/**
 * The service and model a `rateLimiters` entry of the stats belongs to: the entry of a per-model
 * limiter is keyed `<service>/<model>` and carries its `model`; any other is the service's own.
 */
export function limiterOwner(key: string, stats: Pick<RateLimiterStats, 'model'>): { service: string; model?: string } {
  const model = stats.model;
  return model !== undefined && key.endsWith(`/${model}`) ? { service: key.slice(0, key.length - model.length - 1), model } : { service: key };
}
