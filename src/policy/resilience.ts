/**
 * `createResilience`: one pipeline per service, their stats and health, and one event stream.
 *
 * ```ts
 * const resilience = createResilience({
 *   services: { openai: { rateLimit: { requestsPerMinute: 500, tokensPerMinute: 200_000 }, timeoutMs: 30_000 } },
 * });
 * const reply = await resilience.execute('openai', ({ signal }) => callOpenAI(request, signal), { tokens: 1_200 });
 * ```
 */
import { type Clock, systemClock } from '../core/clock.js';
import { ConfigError, ShutdownError } from '../core/errors.js';
import { type Disposable, EventChannel, type ResilienceEvent } from '../core/events.js';
import { type Logger, type LogLevel, logEvent } from '../core/logger.js';
import { noUnknownKeys } from '../core/validate.js';
import { dashboardHandler, type DashboardOptions, type DashboardRequestHandler } from '../dashboard/index.js';
import type { CircuitBreakerStats } from '../breaker/breaker-stats.js';
import type { AnyLimiterStore } from '../limiter/shared-store.js';
import type { RateLimiterStats } from '../limiter/rate-limiter.js';
import type { AttemptContext } from './attempt-context.js';
import { type HealthStatus, healthOf } from './health.js';
import { type CallInstrumentation, combineInstrumentations } from './instrumentation.js';
import { type ExecuteOptions, Pipeline } from './pipeline.js';
import type { ServiceCountersSnapshot } from './service-counters.js';
import { type ServiceOptions, validateServiceOptions } from './service-options.js';

export interface ResilienceOptions {
  /** One entry per service (a provider, or any name). */
  services?: Record<string, ServiceOptions>;
  /** When set, a service not in `services` is created from these options on first use; otherwise it is an error. */
  defaults?: ServiceOptions;
  /** Shared state for the rate limiters (memory by default; Redis to share limits across processes). */
  store?: AnyLimiterStore;
  clock?: Clock;
  /** console, pino, winston... Each event becomes one line. */
  logger?: Logger;
  /** Least level logged. Default 'info'. */
  logLevel?: LogLevel;
}

export interface ResilienceStats {
  circuitBreakers: Record<string, CircuitBreakerStats>;
  /** By service; a service limited per model (`rateLimit.perModel`) adds one entry per model, keyed `<service>/<model>`, with its `model`. */
  rateLimiters: Record<string, RateLimiterStats>;
  services: Record<string, ServiceCountersSnapshot>;
}

const KNOWN_OPTIONS = ['services', 'defaults', 'store', 'clock', 'logger', 'logLevel'];

export class Resilience {
  /** Every event of every service: breaker transitions, retries, waits, rejections. */
  readonly events = new EventChannel<ResilienceEvent>();
  private readonly pipelines = new Map<string, Pipeline>();
  private instrumentations: CallInstrumentation[] = [];
  private readonly clock: Clock;
  private readonly store: AnyLimiterStore | undefined;
  private readonly defaults: ServiceOptions | undefined;
  private closed = false;

  constructor(options: ResilienceOptions = {}) {
    if (options === null || typeof options !== 'object') throw new ConfigError('options', options, 'an object');
    noUnknownKeys('', options, KNOWN_OPTIONS);
    this.clock = options.clock ?? systemClock;
    this.store = options.store;
    if (options.defaults !== undefined) validateServiceOptions('defaults', options.defaults);
    this.defaults = options.defaults;
    if (options.logger) {
      const { logger, logLevel } = options;
      this.events.on((event) => logEvent(logger, event, logLevel));
    }
    for (const [name, serviceOptions] of Object.entries(options.services ?? {})) this.addService(name, serviceOptions);
  }

  /** Adds (or replaces) a service's pipeline. */
  addService(name: string, options: ServiceOptions = {}): void {
    if (typeof name !== 'string' || name === '') throw new ConfigError('services', name, 'a non-empty service name');
    validateServiceOptions(`services.${name}`, options);
    const pipeline = new Pipeline(name, options, this.clock, this.events, this.store);
    pipeline.instrumentation = combineInstrumentations(this.instrumentations);
    this.pipelines.set(name, pipeline);
    if (this.events.hasListeners) {
      const components = (['rateLimit', 'circuitBreaker', 'retry'] as const).filter((c) => (c === 'rateLimit' ? pipeline.limiter : c === 'circuitBreaker' ? pipeline.breaker : pipeline.retry.maxRetries > 0));
      this.events.emit({ type: 'initialized', service: name, at: this.clock.wallTime(), components: options.timeoutMs ? [...components, 'timeout'] : components });
    }
  }

  /** The pipeline of `service`; throws ConfigError for an unknown service (unless `defaults` were given). */
  pipeline(service: string): Pipeline {
    const pipeline = this.pipelines.get(service);
    if (pipeline) return pipeline;
    if (this.defaults !== undefined && typeof service === 'string' && service !== '') {
      this.addService(service, this.defaults);
      return this.pipelines.get(service)!;
    }
    throw new ConfigError('service', service, this.pipelines.size ? `one of ${[...this.pipelines.keys()].map((s) => `'${s}'`).join(', ')}` : 'a configured service');
  }

  /** The names of the configured services, in order. */
  get services(): string[] {
    return [...this.pipelines.keys()];
  }

  /** Runs `fn` through the service's pipeline: retry -> breaker -> limiter -> timeout -> call. */
  execute<T>(service: string, fn: (context: AttemptContext) => Promise<T> | T, options?: ExecuteOptions<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ShutdownError(service));
    const pipeline = this.pipelines.get(service);
    if (pipeline) return pipeline.execute(fn, options);
    try {
      return this.pipeline(service).execute(fn, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The seeds' shape: `{ circuitBreakers, rateLimiters }`, plus call counters per service. */
  getStats(): ResilienceStats {
    const stats: ResilienceStats = { circuitBreakers: {}, rateLimiters: {}, services: {} };
    for (const [name, pipeline] of this.pipelines) {
      if (pipeline.breaker) stats.circuitBreakers[name] = pipeline.breaker.stats();
      if (pipeline.limiter) stats.rateLimiters[name] = pipeline.limiter.stats();
      for (const [model, limiter] of pipeline.limiters.byModel) stats.rateLimiters[limiter.name] = { ...limiter.stats(), model };
      stats.services[name] = pipeline.counters.snapshot();
    }
    return stats;
  }

  /**
   * Observes the start and end of every call and attempt of every service (tracing, wait
   * histograms: see `llm-resilience/otel`). Disposing removes it.
   */
  instrument(instrumentation: CallInstrumentation): Disposable {
    this.setInstrumentations([...this.instrumentations, instrumentation]);
    return { dispose: () => this.setInstrumentations(this.instrumentations.filter((i) => i !== instrumentation)) };
  }

  private setInstrumentations(list: CallInstrumentation[]): void {
    this.instrumentations = list;
    const combined = combineInstrumentations(list);
    for (const pipeline of this.pipelines.values()) pipeline.instrumentation = combined;
  }

  getHealthStatus(): HealthStatus {
    return healthOf(this.pipelines.values());
  }

  /**
   * The live dashboard of every service, as a Node request handler (`GET /dashboard`); see
   * `dashboardHandler` in `llm-resilience/http`. Call its `close()` when done with it.
   */
  dashboardHandler(options?: DashboardOptions): DashboardRequestHandler {
    return dashboardHandler(this, options);
  }

  /**
   * Graceful shutdown: requests waiting in any limiter reject at once with ShutdownError, and new
   * calls are refused. Calls already running finish normally.
   */
  close(): void {
    this.closed = true;
    for (const pipeline of this.pipelines.values()) for (const limiter of pipeline.limiters.all()) limiter.close();
  }

  /** Closes the service's circuit and ends any pause a provider's retry-after imposed on it (on every model's limiter too). */
  resetCircuitBreaker(service: string): void {
    const pipeline = this.pipeline(service);
    pipeline.breaker?.reset();
    for (const limiter of pipeline.limiters.all()) limiter.clearPause();
  }

  /** Ends any pause a provider's retry-after imposed on the service's limiters (its own and every model's). */
  resetRateLimiter(service: string): void {
    for (const limiter of this.pipeline(service).limiters.all()) limiter.clearPause();
  }
}

/** Builds the pipelines of every service. */
export function createResilience(options: ResilienceOptions = {}): Resilience {
  return new Resilience(options);
}
