/**
 * `llm-resilience/prometheus`: Prometheus metrics of a `Resilience` or a `UnifiedLLMClient`, on a
 * prom-client registry (prom-client is an optional peer dependency, needed only here).
 */
export { DEFAULT_METRICS_PREFIX, prometheusMetrics, type PrometheusMetrics, type PrometheusMetricsOptions } from './prometheus-metrics.js';
export type { MetricsSource } from './source.js';
