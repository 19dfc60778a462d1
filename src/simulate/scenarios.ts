/**
 * The incidents a run injects. Times are fractions of the run (0.2 = a fifth in), so a scenario
 * reads the same at any --duration or --speed. Built-in scenarios follow the seeds' incidents;
 * `--scenario file.yaml` reads one (see `scenario-file.ts`).
 */
import type { ProviderId } from '../providers/types.js';

interface IncidentWindow {
  /** Start and end, as fractions of the run in [0, 1]. */
  readonly from: number;
  readonly until: number;
}

export type Incident = IncidentWindow &
  (
    | { readonly kind: 'outage'; readonly provider: ProviderId; readonly status: number }
    | { readonly kind: 'quota'; readonly provider: ProviderId }
    /** The provider answers this share of admitted requests with 429 (a throttling storm on its side). */
    | { readonly kind: 'storm'; readonly provider: ProviderId; readonly share: number }
    /** Every answer of the provider is `addedLatencyMs` (simulated) slower. */
    | { readonly kind: 'slow'; readonly provider: ProviderId; readonly addedLatencyMs: number }
    /** Alerts arrive `multiplier` times faster (an alert storm upstream). */
    | { readonly kind: 'burst'; readonly multiplier: number }
  );

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly incidents: readonly Incident[];
}

export const BUILT_IN_SCENARIOS = ['steady', 'outage', 'quota', 'storm', 'slow', 'mixed'] as const;
export type BuiltInScenario = (typeof BUILT_IN_SCENARIOS)[number];

/**
 * A built-in scenario for the providers of the run (the first is the preferred one; incidents aimed
 * at a provider the run does not have fall on the next ones in order).
 */
export function builtInScenario(name: BuiltInScenario, providers: readonly ProviderId[]): Scenario {
  const at = (index: number): ProviderId => providers[Math.min(index, providers.length - 1)]!;
  const primary = at(0);
  switch (name) {
    case 'steady':
      return { name, description: 'Alerts at the steady daily rate; no incident.', incidents: [] };
    case 'outage':
      return { name, description: `${primary} answers 503 from 25 % to 55 % of the run.`, incidents: [{ kind: 'outage', provider: primary, status: 503, from: 0.25, until: 0.55 }] };
    case 'quota':
      return { name, description: `${primary} runs out of quota at 30 % of the run and stays out.`, incidents: [{ kind: 'quota', provider: primary, from: 0.3, until: 1 }] };
    case 'storm':
      return { name, description: `${primary} throttles half its traffic with 429 from 25 % to 55 % of the run.`, incidents: [{ kind: 'storm', provider: primary, share: 0.5, from: 0.25, until: 0.55 }] };
    case 'slow':
      return { name, description: `${primary} answers 25 s late from 25 % to 55 % of the run.`, incidents: [{ kind: 'slow', provider: primary, addedLatencyMs: 25_000, from: 0.25, until: 0.55 }] };
    case 'mixed':
      return {
        name,
        description: `An alert storm (×4) at 8-16 %, ${primary} down at 20-38 %, a 429 storm on ${primary} at 45-58 %, ${primary} slow at 64-80 %, ${at(1)} out of quota from 70 %.`,
        incidents: [
          { kind: 'burst', multiplier: 4, from: 0.08, until: 0.16 },
          { kind: 'outage', provider: primary, status: 503, from: 0.2, until: 0.38 },
          { kind: 'storm', provider: primary, share: 0.5, from: 0.45, until: 0.58 },
          { kind: 'slow', provider: primary, addedLatencyMs: 25_000, from: 0.64, until: 0.8 },
          { kind: 'quota', provider: at(1), from: 0.7, until: 1 },
        ],
      };
  }
}

/** One line per incident, for the start of a run and the report. */
export function describeIncident(incident: Incident, spanMs: number): string {
  const window = `${formatClock(incident.from * spanMs)}-${formatClock(incident.until * spanMs)}`;
  switch (incident.kind) {
    case 'outage':
      return `${window} ${incident.provider} outage (${incident.status})`;
    case 'quota':
      return `${window} ${incident.provider} out of quota`;
    case 'storm':
      return `${window} ${incident.provider} 429 storm (${Math.round(incident.share * 100)} % of requests)`;
    case 'slow':
      return `${window} ${incident.provider} slow (+${incident.addedLatencyMs / 1000} s)`;
    case 'burst':
      return `${window} alert storm (×${incident.multiplier})`;
  }
}

/** `mm:ss` of simulated time. */
export function formatClock(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}
