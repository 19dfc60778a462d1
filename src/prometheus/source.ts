/**
 * What the collector reads: a `Resilience` (from `createResilience`) or a `UnifiedLLMClient`, seen
 * through one narrow view (events, stats, health) so the metrics never reach into internals.
 */
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import type { UnifiedLLMClient } from '../client/unified-client.js';
import type { HealthStatus } from '../policy/health.js';
import type { Resilience, ResilienceStats } from '../policy/resilience.js';

/** Anything whose pipelines can be measured. */
export type MetricsSource = Resilience | UnifiedLLMClient;

/** One reading of a source, taken once per scrape. */
export interface SourceSnapshot {
  readonly stats: ResilienceStats;
  readonly health: HealthStatus;
  /** Providers out of quota (ms until tried again); only a client tracks quota. */
  readonly quotaExhausted: Readonly<Record<string, number>> | undefined;
}

export interface SourceView {
  readonly events: EventChannel<ResilienceEvent>;
  read(): SourceSnapshot;
}

function isClient(source: MetricsSource): source is UnifiedLLMClient {
  return typeof (source as Partial<UnifiedLLMClient>).getResilienceStats === 'function';
}

export function viewOf(source: MetricsSource): SourceView {
  if (isClient(source)) {
    return {
      events: source.events,
      read: () => {
        const { quotaExhausted, ...stats } = source.getResilienceStats();
        return { stats, health: source.getHealthStatus(), quotaExhausted };
      },
    };
  }
  return { events: source.events, read: () => ({ stats: source.getStats(), health: source.getHealthStatus(), quotaExhausted: undefined }) };
}

/**
 * Reads the source at most once per scrape: every scrape-time metric's collect() runs in the same
 * synchronous pass of `registry.metrics()`, so the reading is dropped at the next microtask.
 */
export function oncePerScrape(view: SourceView): () => SourceSnapshot {
  let current: SourceSnapshot | undefined;
  return () => {
    if (current === undefined) {
      current = view.read();
      queueMicrotask(() => {
        current = undefined;
      });
    }
    return current;
  };
}
