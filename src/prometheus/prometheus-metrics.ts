/**
 * `prometheusMetrics`: the engine's events and stats as Prometheus metrics, on a prom-client registry.
 *
 * ```ts
 * import { register } from 'prom-client';
 * const metrics = prometheusMetrics(llm); // a UnifiedLLMClient or a Resilience
 * // serve `await register.metrics()` (or use healthHandler from llm-resilience/http); later: metrics.dispose()
 * ```
 */
import { register as globalRegistry, type Registry, type RegistryContentType } from 'prom-client';
import { ConfigError } from '../core/errors.js';
import type { Disposable } from '../core/events.js';
import { registerBreakerMetrics } from './breaker-metrics.js';
import { registerCallMetrics } from './call-metrics.js';
import { countEvents } from './event-metrics.js';
import { registerHealthMetrics } from './health-metrics.js';
import { registerLimiterMetrics } from './limiter-metrics.js';
import { MetricSet } from './metric-set.js';
import { observeWaits } from './wait-histogram.js';
import { type MetricsSource, oncePerScrape, viewOf } from './source.js';

export interface PrometheusMetricsOptions {
  /** Where the metrics are registered. Default: prom-client's global `register`. */
  registry?: Registry<RegistryContentType>;
  /** Prepended to every metric name. Default `'llm_resilience_'`. */
  prefix?: string;
}

export interface PrometheusMetrics extends Disposable {
  /** The registry the metrics are on: serve `await registry.metrics()` with `registry.contentType`. */
  readonly registry: Registry<RegistryContentType>;
  /** Stops counting events and removes this collector's metrics from the registry. Idempotent. */
  dispose(): void;
}

export const DEFAULT_METRICS_PREFIX = 'llm_resilience_';
const METRIC_NAME_PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Registers the metrics of `source` (a `Resilience` or a `UnifiedLLMClient`). Counters the engine
 * keeps itself (requests, attempts, retries, admissions, rejections, waits) and every gauge are read
 * from its stats at scrape time; the rest are counted from its events from now on. Two sources on
 * one registry need two prefixes (or two registries).
 */
export function prometheusMetrics(source: MetricsSource, options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
  if (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME_PREFIX.test(prefix))) {
    throw new ConfigError('prefix', prefix, 'letters, digits, _ and : (not starting with a digit)');
  }
  const registry = options.registry ?? globalRegistry;
  const view = viewOf(source);
  const metrics = new MetricSet(registry, prefix, oncePerScrape(view));
  let subscription: Disposable | undefined;
  let waits: Disposable;
  try {
    registerCallMetrics(metrics);
    registerLimiterMetrics(metrics);
    registerBreakerMetrics(metrics);
    registerHealthMetrics(metrics);
    subscription = countEvents(metrics, view.events);
    waits = observeWaits(metrics, source);
  } catch (error) {
    // A name already taken on this registry: leave it as it was.
    subscription?.dispose();
    metrics.removeAll();
    throw error;
  }
  let disposed = false;
  return {
    registry,
    dispose() {
      if (disposed) return;
      disposed = true;
      subscription!.dispose();
      waits.dispose();
      metrics.removeAll();
    },
  };
}
