/** The result of a run: what `--json` prints, what the summary table and the HTML report show. */
import type { KeyLedgerReport } from '../mock/index.js';
import type { MockLimits } from '../mock/options.js';
import type { ProviderId } from '../providers/types.js';
import type { IncidentMark } from './incident-driver.js';
import type { Percentiles } from './percentiles.js';
import type { FailureMark, Sample, Transition } from './recorder.js';

export interface ProviderResult {
  readonly tier: string;
  /** What the provider (the mock) enforces. */
  readonly limits: MockLimits;
  /** Calls that reached the provider, and what it did with them (its own ledger). */
  readonly received: number;
  readonly admitted: number;
  readonly succeeded: number;
  /** Answered with an injected fault (outage, 429 storm, quota): the provider's doing. */
  readonly injectedFailures: number;
  /** Refused with 429 because a limit of the key was full: our doing (the aim is 0). */
  readonly rateLimited429s: number;
  readonly rateLimitedByDimension: Readonly<Record<string, number>>;
  /** Admissions the provider's independent audit found over its limits (must be 0). */
  readonly violations: number;
  readonly peakConcurrency: number;
  /** Tokens the provider charged to its token limits (net of refunds). */
  readonly tokensCharged: number;
  /** Alerts this provider answered. */
  readonly served: number;
  readonly retries: number;
  /** Calls that moved on from this provider to the next. */
  readonly fallbacksFrom: number;
  readonly breakerTransitions: number;
  /** Admitted per simulated minute. */
  readonly requestsPerMinute: number;
  /** The per-minute limit (RPM, TPM, ITPM, OTPM) the run used most of, as a share of what it allowed over the run (burst + refill). */
  readonly busiestLimit: { readonly limit: string; readonly share: number } | null;
}

export type VerdictStatus = 'pass' | 'warn' | 'fail';

export interface SimulationResult {
  readonly version: 1;
  readonly seed: number;
  readonly scenario: { readonly name: string; readonly description: string; readonly incidents: readonly string[] };
  readonly providers: readonly ProviderId[];
  readonly alertsPerDay: number;
  /** Compression factor of the clock; 1 is real time. */
  readonly speed: number;
  /** Processes that ran the client: 1, or a fleet's workers sharing Redis. */
  readonly workers: number;
  /** Simulated time of the arrivals. */
  readonly simulatedMs: number;
  /** Simulated time until the last call ended (arrivals and drain): per-minute figures are over it. */
  readonly activeMs: number;
  readonly realMs: number;
  readonly workload: { readonly alerts: number; readonly digest: string; readonly bySeverity: Readonly<Record<string, number>> };
  readonly outcome: {
    readonly requests: number;
    readonly succeeded: number;
    readonly failed: number;
    /** Failed alerts by the typed cause of their error (`AllProvidersFailedError:server_error`). */
    readonly failedByCause: Readonly<Record<string, number>>;
    /** Alerts answered by another provider than the preferred one. */
    readonly servedByFallback: number;
    /** Alerts of the run never sent (the run was interrupted): 0 for a whole run. */
    readonly notSent: number;
    /** requests - succeeded - failed: must be 0 (every request settles exactly once). */
    readonly unaccounted: number;
  };
  readonly totals: {
    readonly provider429s: number;
    readonly limitViolations: number;
    readonly retries: number;
    readonly fallbacks: number;
    readonly breakerTransitions: number;
    /** Alerts answered per simulated minute. */
    readonly goodputPerMinute: number;
  };
  readonly latencyMs: Percentiles;
  readonly perProvider: Readonly<Partial<Record<ProviderId, ProviderResult>>>;
  readonly transitions: readonly Transition[];
  readonly incidents: readonly IncidentMark[];
  readonly timeline: {
    readonly sampleMs: number;
    readonly samples: readonly Sample[];
    /** Latency percentiles of alerts finishing in each window. */
    readonly latency: readonly ({ readonly atMs: number } & Percentiles)[];
    /** Failed attempts per window, by provider and kind. */
    readonly attemptFailures: readonly FailureMark[];
    /** What each provider admitted in the trailing minute, as the provider counts (its ledger), at each sample. */
    readonly providerAdmitted: Readonly<Partial<Record<ProviderId, readonly { readonly atMs: number; readonly requests: number; readonly tokens: number }[]>>>;
  };
  readonly verdict: { readonly status: VerdictStatus; readonly line: string };
}

/** The limit-related 429s of a ledger: refusals for a full bucket or concurrency (not quota or faults). */
export function limitRefusals(ledger: KeyLedgerReport): { total: number; byDimension: Record<string, number> } {
  const byDimension: Record<string, number> = {};
  let total = 0;
  for (const [reason, count] of Object.entries(ledger.rejected)) {
    if (reason === 'quota' || reason === 'fault' || count === 0) continue;
    byDimension[reason] = count;
    total += count;
  }
  return { total, byDimension };
}
