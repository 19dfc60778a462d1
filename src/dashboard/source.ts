/**
 * What the dashboard reads: a `Resilience` (getStats) or a `UnifiedLLMClient` (getResilienceStats),
 * seen through one narrow view (events, stats, health) so the dashboard never reaches into internals.
 */
import type { EventChannel, ResilienceEvent } from '../core/events.js';
import type { HealthStatus } from '../policy/health.js';
import type { ResilienceStats } from '../policy/resilience.js';

type StatsView = ResilienceStats & { quotaExhausted?: Partial<Record<string, number>> };

/** Anything with the engine's events, stats and health: a `Resilience`, a `UnifiedLLMClient`, or your own. */
export type DashboardSource = {
  readonly events: EventChannel<ResilienceEvent>;
  getHealthStatus(): HealthStatus;
} & ({ getStats(): StatsView } | { getResilienceStats(): StatsView });

/** One reading of a source. */
export interface SourceReading {
  readonly stats: StatsView;
  readonly health: HealthStatus;
}

export function readSource(source: DashboardSource): SourceReading {
  const stats = 'getResilienceStats' in source ? source.getResilienceStats() : source.getStats();
  return { stats, health: source.getHealthStatus() };
}

/** True when `value` has what a DashboardSource needs (checked once, when the handler is made). */
export function isDashboardSource(value: unknown): value is DashboardSource {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<string, unknown>;
  const events = candidate.events as { on?: unknown } | undefined;
  return (
    typeof events?.on === 'function' &&
    typeof candidate.getHealthStatus === 'function' &&
    (typeof candidate.getStats === 'function' || typeof candidate.getResilienceStats === 'function')
  );
}
