/**
 * One simulation run in this process: the embedded mock providers on loopback, the alert workload
 * through a UnifiedLLMClient with fallback, the scenario's incidents, and a record of it all. The
 * mock and the client share one clock running `speed` times faster than real time, so minutes of
 * provider time (limits, latencies, breaker and backoff timers) pass in seconds.
 */
import { UnifiedLLMClient } from '../client/unified-client.js';
import { scaledClock, systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { startMockServer, type MockServer } from '../mock/index.js';
import type { ProviderId } from '../providers/types.js';
import { AlertDriver, type DriveProgress } from './alert-driver.js';
import { simulationClientOptions, warmUp } from './client-setup.js';
import { IncidentDriver } from './incident-driver.js';
import type { SimulationResult } from './result.js';
import { type Scenario } from './scenarios.js';
import { checkSettings, type SimulationSettings } from './settings.js';
import { providerLimits, simulationKey, simulationMockKeys } from './sim-providers.js';
import { summarize } from './summarize.js';
import { generateAlerts, type Alert } from './workload.js';

/** What the live progress shows. */
export interface LiveProgress extends DriveProgress {
  readonly spanMs: number;
  readonly speed: number;
  readonly alerts: number;
  readonly limits: Readonly<Partial<Record<ProviderId, { rpm: number | null; tpm: number | null }>>>;
  readonly activeIncidents: readonly string[];
}

/** Hooks into a run: live progress, and the client once it exists (to serve a dashboard). */
export interface RunHooks {
  /** Real ms between progress calls. Default 250. */
  readonly progressIntervalMs?: number;
  readonly onProgress?: (progress: LiveProgress) => void;
  readonly onClient?: (client: UnifiedLLMClient, mock: MockServer) => void | Promise<void>;
}

/** The alerts of a run: the same for the same seed, scenario, rate and span. */
export function alertsOf(settings: SimulationSettings, spanMs: number): Alert[] {
  const bursts = settings.scenario.incidents.flatMap((i) => (i.kind === 'burst' ? [{ fromMs: i.from * spanMs, untilMs: i.until * spanMs, multiplier: i.multiplier }] : []));
  return generateAlerts({ seed: settings.seed, alertsPerDay: settings.alertsPerDay, durationMs: spanMs, bursts });
}

/** The limits the live view draws against (the providers' own). */
export function displayLimits(providers: readonly ProviderId[]): LiveProgress['limits'] {
  return Object.fromEntries(
    providers.map((id) => {
      const l = providerLimits(id);
      return [id, { rpm: l.requestsPerMinute ?? null, tpm: l.tokensPerMinute ?? (l.inputTokensPerMinute !== undefined ? l.inputTokensPerMinute + (l.outputTokensPerMinute ?? 0) : null) }];
    }),
  );
}

/** The incidents active at `elapsedMs`, in words. */
export function activeIncidents(scenario: Scenario, elapsedMs: number, spanMs: number): string[] {
  return scenario.incidents.filter((i) => elapsedMs >= i.from * spanMs && elapsedMs < i.until * spanMs).map((i) => (i.kind === 'burst' ? `alert storm ×${i.multiplier}` : `${i.provider} ${i.kind}`));
}

/** Calls `report` every `everyMs` of real time until the returned function is called. */
export function repeatEvery(clock: Clock, everyMs: number, report: () => void): () => void {
  let timer: TimerHandle | undefined;
  const loop = () => {
    report();
    timer = clock.setTimer(loop, everyMs);
  };
  loop();
  return () => clock.clearTimer(timer);
}

export async function runSimulation(settings: SimulationSettings, hooks: RunHooks = {}): Promise<SimulationResult> {
  checkSettings(settings);
  const realClock = settings.clock ?? systemClock;
  const realStart = realClock.now();
  const clock = settings.speed === 1 ? realClock : scaledClock(settings.speed, realClock);
  const spanMs = settings.durationMs * settings.speed;
  const providers = [...settings.providers];
  const alerts = alertsOf(settings, spanMs);

  const mockStartedAt = clock.now();
  const mock = await startMockServer({ clock, seed: settings.seed, keys: simulationMockKeys(providers) });
  let client: UnifiedLLMClient | undefined;
  let stopProgress = () => {};
  try {
    client = new UnifiedLLMClient(simulationClientOptions({ providers, speed: settings.speed, mockUrl: mock.url, clock, ...(settings.client ? { configured: settings.client } : {}), ...(settings.store ? { store: settings.store } : {}) }));
    await warmUp(mock.url, clock);
    await hooks.onClient?.(client, mock);
    const driver = new AlertDriver({ client, clock, realClock, speed: settings.speed, alerts, spanMs, providers, ...(settings.signal ? { signal: settings.signal } : {}) });
    const incidents = new IncidentDriver(mock, clock, settings.scenario.incidents, spanMs, providers);
    const runStart = clock.now();
    const limits = displayLimits(providers);
    const progress = (): LiveProgress => {
      const live = driver.live();
      return { ...live, spanMs, speed: settings.speed, alerts: alerts.length, limits, activeIncidents: activeIncidents(settings.scenario, live.elapsedMs, spanMs) };
    };
    incidents.start();
    driver.start();
    if (hooks.onProgress) stopProgress = repeatEvery(realClock, hooks.progressIntervalMs ?? 250, () => hooks.onProgress!(progress()));
    let record;
    try {
      record = await driver.finish();
    } finally {
      stopProgress();
      incidents.stop();
    }
    hooks.onProgress?.(progress());
    return summarize({
      settings,
      spanMs,
      realMs: realClock.now() - realStart,
      alerts,
      record,
      incidentMarks: incidents.marks,
      ledgers: Object.fromEntries(providers.map((id) => [id, mock.ledger(simulationKey(id))])),
      ledgerOffsetMs: runStart - mockStartedAt,
    });
  } finally {
    client?.close();
    await mock.close();
  }
}
