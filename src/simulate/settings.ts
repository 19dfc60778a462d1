/** What one simulation run is asked to do, checked before anything starts. */
import type { UnifiedLLMClientOptions } from '../client/client-options.js';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { PROVIDER_IDS, type ProviderId } from '../providers/types.js';
import type { Scenario } from './scenarios.js';

export interface SimulationSettings {
  readonly seed: number;
  readonly alertsPerDay: number;
  /** Real time the run's arrivals take, in ms (the drain of the last calls comes after). */
  readonly durationMs: number;
  /** How many times faster than real time the run's clock goes (limits, latencies, timers alike). */
  readonly speed: number;
  readonly scenario: Scenario;
  /** The providers, the preferred first, then the fallback order. */
  readonly providers: readonly ProviderId[];
  /** Client options from a configuration file (limits, breaker, retry); keys and URLs are the mock's. */
  readonly client?: UnifiedLLMClientOptions;
  /** The real clock under the compressed one (tests may pass their own). */
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
}

/** Largest compression: beyond it a 50 ms stall of this process is seconds of provider time. */
export const MAX_SPEED = 60;

export function checkSettings(s: SimulationSettings): void {
  if (!Number.isInteger(s.seed) || s.seed < 0 || s.seed > 0xffffffff) throw new ConfigError('seed', s.seed, 'an integer from 0 to 4294967295');
  if (!(s.alertsPerDay > 0 && s.alertsPerDay <= 100_000_000)) throw new ConfigError('alertsPerDay', s.alertsPerDay, 'a number of alerts per day above 0 and at most 100 000 000');
  if (!(s.durationMs >= 1000 && s.durationMs <= 3_600_000)) throw new ConfigError('duration', s.durationMs / 1000, 'a number of seconds from 1 to 3600');
  if (!(s.speed >= 1 && s.speed <= MAX_SPEED)) throw new ConfigError('speed', s.speed, `a compression factor from 1 (real time) to ${MAX_SPEED}`);
  if (s.providers.length === 0) throw new ConfigError('providers', s.providers, `one or more of ${PROVIDER_IDS.join(', ')}`);
  const seen = new Set<string>();
  for (const p of s.providers) {
    if (!(PROVIDER_IDS as readonly string[]).includes(p)) throw new ConfigError('providers', p, `one of ${PROVIDER_IDS.join(', ')}`);
    if (seen.has(p)) throw new ConfigError('providers', p, 'each provider once');
    seen.add(p);
  }
}
