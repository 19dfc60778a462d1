/**
 * Which rate limiter a call of a service goes through: the service's own (configured, learned
 * from the provider, or none) or, with `rateLimit.perModel`, the limiter of the call's model
 * (model-limiters.ts); and the careful start each of them gets when the service calls an LLM
 * provider whose limits are not known yet.
 */
import type { Clock } from '../core/clock.js';
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import { CAREFUL_START } from '../limiter/limiter-options.js';
import { RateLimiter } from '../limiter/rate-limiter.js';
import type { AnyLimiterStore } from '../limiter/shared-store.js';
import { ModelLimiters } from './model-limiters.js';
import type { ServiceOptions, ServiceRateLimitOptions } from './service-options.js';

const NO_MODEL_LIMITERS: ReadonlyMap<string, RateLimiter> = new Map();

export class ServiceLimiters {
  /** The service's own limiter: configured, learned from the provider (see learnWhenUnconfigured), or none. */
  limiter: RateLimiter | undefined;
  /** With `rateLimit.perModel`: each model's own limiter. */
  private models: ModelLimiters | undefined;
  /** Told that the service calls an LLM provider, and the careful start every new limiter gets since. */
  private learning = false;
  private carefulStart: number | undefined;

  constructor(
    private readonly service: string,
    private readonly option: ServiceOptions['rateLimit'],
    private readonly clock: Clock,
    private readonly events: EventChannel<ResilienceEvent>,
    private readonly store: AnyLimiterStore | undefined,
  ) {
    this.limiter = option ? this.create(option) : undefined;
    if (option && option.perModel) this.limitPerModel(option);
  }

  /**
   * For LLM providers (resilientFetch): a service configured with no `rateLimit` at all (not
   * `false`) gets a limiter that learns the limits from the provider's headers, one request at a
   * time until its first response; a configured one sends a few until then (its limits may be
   * wrong: the first response's headers tell). `perModelByDefault`: the provider scopes its limits
   * per model, so unless `rateLimit.perModel` says otherwise each model gets a limiter of its own,
   * which starts as carefully. Only the first call counts.
   */
  learnWhenUnconfigured(perModelByDefault: boolean): void {
    if (this.learning) return;
    this.learning = true;
    const option = this.option;
    if (option === false) return;
    if (option === undefined) {
      const learned = { initialConcurrency: CAREFUL_START.unconfigured };
      this.limiter = this.create(learned);
      if (perModelByDefault) this.limitPerModel(learned);
      return;
    }
    this.carefulStart = CAREFUL_START.configured;
    this.limiter?.startCarefully(CAREFUL_START.configured);
    if (perModelByDefault && option.perModel === undefined && this.models === undefined) this.limitPerModel(option);
  }

  /**
   * The limiter a call for `model` goes through: with `rateLimit.perModel`, the model's own (made
   * on its first call); for a call naming no model, or past the bound of models, the service's.
   */
  limiterFor(model: string | undefined): RateLimiter | undefined {
    const models = this.models;
    return models === undefined || model === undefined ? this.limiter : (models.limiterOf(model) ?? this.limiter);
  }

  /** Calls naming a model may go through a limiter of their own (`limiterFor` then differs from `limiter`). */
  get perModel(): boolean {
    return this.models !== undefined;
  }

  /** As {@link limiterFor}, without making one (routing, estimates): the service's while the model has none. */
  existingLimiterFor(model: string | undefined): RateLimiter | undefined {
    return (model === undefined ? undefined : this.models?.existing(model)) ?? this.limiter;
  }

  /** The per-model limiters, by model, in the order of their first call (empty without `rateLimit.perModel`). */
  get byModel(): ReadonlyMap<string, RateLimiter> {
    return this.models?.limiters ?? NO_MODEL_LIMITERS;
  }

  /** The service's own limiter and every model's. */
  *all(): Generator<RateLimiter> {
    if (this.limiter) yield this.limiter;
    yield* this.byModel.values();
  }

  /** From now on, one limiter per model, each made on its model's first call with `options`. */
  private limitPerModel(options: ServiceRateLimitOptions): void {
    this.models = new ModelLimiters(this.service, (model) => this.create(options, model), this.events, this.clock);
  }

  /** The service's own limiter, or `model`'s: named `<service>/<model>`, its events carrying the model. */
  private create(options: ServiceRateLimitOptions, model?: string): RateLimiter {
    const limiterOptions = { ...options, name: model === undefined ? this.service : `${this.service}/${model}`, clock: this.clock, store: this.store };
    delete limiterOptions.perModel;
    const limiter = new RateLimiter(limiterOptions);
    const events = this.events;
    limiter.events.on(model === undefined ? (event) => events.emit(event) : (event) => events.emit({ ...event, model } as ResilienceEvent));
    if (this.carefulStart !== undefined) limiter.startCarefully(this.carefulStart);
    return limiter;
  }
}
