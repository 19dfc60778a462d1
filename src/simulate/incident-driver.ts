/**
 * Plays a scenario's provider incidents on the mock server: at each incident's start and end the
 * key's faults are set to what every incident active on it says together (an outage and a slowness
 * can overlap). Bursts are not faults: they shape the workload (see workload.ts).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { MockFaults, MockServer } from '../mock/index.js';
import type { ProviderId } from '../providers/types.js';
import type { Incident } from './scenarios.js';
import { simulationKey } from './sim-providers.js';

type ProviderIncident = Exclude<Incident, { kind: 'burst' }>;

export interface IncidentMark {
  readonly atMs: number;
  readonly provider: ProviderId;
  readonly kind: ProviderIncident['kind'];
  readonly phase: 'start' | 'end';
}

export class IncidentDriver {
  private readonly timers: TimerHandle[] = [];
  private readonly active = new Set<ProviderIncident>();
  readonly marks: IncidentMark[] = [];

  constructor(
    private readonly mock: MockServer,
    private readonly clock: Clock,
    incidents: readonly Incident[],
    private readonly spanMs: number,
    providers: readonly ProviderId[],
  ) {
    this.incidents = incidents.filter((i): i is ProviderIncident => i.kind !== 'burst' && providers.includes(i.provider));
  }

  private readonly incidents: ProviderIncident[];

  /** Schedules every start and end, relative to now (the start of the run). */
  start(): void {
    const startedAt = this.clock.now();
    for (const incident of this.incidents) {
      this.timers.push(this.clock.setTimer(() => this.change(incident, 'start', startedAt), incident.from * this.spanMs));
      if (incident.until < 1) this.timers.push(this.clock.setTimer(() => this.change(incident, 'end', startedAt), incident.until * this.spanMs));
    }
  }

  stop(): void {
    for (const timer of this.timers) this.clock.clearTimer(timer);
    this.timers.length = 0;
    this.active.clear();
  }

  private change(incident: ProviderIncident, phase: 'start' | 'end', startedAt: number): void {
    if (phase === 'start') this.active.add(incident);
    else this.active.delete(incident);
    this.marks.push({ atMs: Math.round(this.clock.now() - startedAt), provider: incident.provider, kind: incident.kind, phase });
    const faults = faultsOf([...this.active].filter((i) => i.provider === incident.provider));
    const key = simulationKey(incident.provider);
    if (faults) this.mock.setFaults(faults, { key });
    else this.mock.clearFaults(key);
  }
}

/** The mock faults of the incidents active on one provider, or undefined for none. */
export function faultsOf(incidents: readonly ProviderIncident[]): MockFaults | undefined {
  if (incidents.length === 0) return undefined;
  const faults: MockFaults = {};
  for (const incident of incidents) {
    switch (incident.kind) {
      case 'outage':
        faults.outages = [...(faults.outages ?? []), { mode: 'unavailable', status: incident.status }];
        break;
      case 'quota':
        faults.quotaExhausted = true;
        break;
      case 'storm':
        faults.errorRates = { ...faults.errorRates, '429': Math.min(1, (faults.errorRates?.['429'] ?? 0) + incident.share) };
        break;
      case 'slow':
        faults.addedLatencyMs = Math.max(faults.addedLatencyMs ?? 0, incident.addedLatencyMs);
        break;
    }
  }
  return faults;
}
