/**
 * The part of a run that is the same in one process and in a fleet: while the client side drives
 * the alerts, play the incidents and report progress; then summarize against the providers' ledgers.
 */
import type { UnifiedLLMClient } from '../client/unified-client.js';
import { scaledClock, systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { startMockServer, type MockServer } from '../mock/index.js';
import type { ProviderId } from '../providers/types.js';
import type { DriveProgress, DriveRecord } from './alert-driver.js';
import { IncidentDriver } from './incident-driver.js';
import type { SimulationResult } from './result.js';
import type { Scenario } from './scenarios.js';
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
  /** With the run's clock (compressed: `speed` times faster than real time). */
  readonly onClient?: (client: UnifiedLLMClient, mock: MockServer, clock: Clock, speed: number) => void | Promise<void>;
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

/** Calls `report` now and every `everyMs` until the returned function is called. */
export function repeatEvery(clock: Clock, everyMs: number, report: () => void): () => void {
  let timer: TimerHandle | undefined;
  const loop = () => {
    report();
    timer = clock.setTimer(loop, everyMs);
  };
  loop();
  return () => clock.clearTimer(timer);
}

/** What every run starts with: its clocks, its alerts, the mock providers and the incidents' player. */
export interface RunStage {
  readonly settings: SimulationSettings;
  /** The run's clock (compressed or not) and the real one under it. */
  readonly clock: Clock;
  readonly realClock: Clock;
  readonly realStart: number;
  readonly mockStartedAt: number;
  readonly mock: MockServer;
  readonly incidents: IncidentDriver;
  readonly alerts: readonly Alert[];
  readonly spanMs: number;
}

/** Checks the settings, starts the clock and the mock providers (close `mock` when done). */
export async function setStage(settings: SimulationSettings): Promise<RunStage> {
  checkSettings(settings);
  const realClock = settings.clock ?? systemClock;
  const realStart = realClock.now();
  const clock = settings.speed === 1 ? realClock : scaledClock(settings.speed, realClock);
  const spanMs = settings.durationMs * settings.speed;
  const alerts = alertsOf(settings, spanMs);
  const mockStartedAt = clock.now();
  const mock = await startMockServer({ clock, seed: settings.seed, keys: simulationMockKeys(settings.providers) });
  const incidents = new IncidentDriver(mock, clock, settings.scenario.incidents, spanMs, settings.providers);
  return { settings, clock, realClock, realStart, mockStartedAt, mock, incidents, alerts, spanMs };
}

export interface ObservedRun extends RunStage {
  readonly hooks: RunHooks;
  readonly workers?: number;
  /** The client side's live picture. */
  readonly live: () => DriveProgress;
  /** Starts the client side; resolves with its record when the last call has ended. */
  readonly drive: () => Promise<DriveRecord>;
}

export async function observeRun(run: ObservedRun): Promise<SimulationResult> {
  const { clock, hooks, incidents } = run;
  const runStart = clock.now();
  incidents.start();
  const limits = displayLimits(run.settings.providers);
  const progress = (): LiveProgress => {
    const live = run.live();
    return { ...live, spanMs: run.spanMs, speed: run.settings.speed, alerts: run.alerts.length, limits, activeIncidents: activeIncidents(run.settings.scenario, live.elapsedMs, run.spanMs) };
  };
  const onProgress = hooks.onProgress;
  const stopProgress = onProgress ? repeatEvery(run.realClock, hooks.progressIntervalMs ?? 250, () => onProgress(progress())) : () => {};
  let record: DriveRecord;
  try {
    record = await run.drive();
  } finally {
    stopProgress();
    incidents.stop();
  }
  onProgress?.(progress());
  return summarize({
    settings: run.settings,
    spanMs: run.spanMs,
    activeMs: clock.now() - runStart,
    realMs: run.realClock.now() - run.realStart,
    alerts: run.alerts,
    record,
    incidentMarks: incidents.marks,
    ledgers: Object.fromEntries(run.settings.providers.map((id) => [id, run.mock.ledger(simulationKey(id))])),
    ledgerOffsetMs: runStart - run.mockStartedAt,
    ...(run.workers !== undefined ? { workers: run.workers } : {}),
  });
}
