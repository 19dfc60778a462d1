/** From what a run recorded to its result: counts, the providers' ledgers, percentiles, a verdict. */
import type { KeyLedgerReport } from '../mock/index.js';
import type { MockLimits } from '../mock/options.js';
import type { ProviderId } from '../providers/types.js';
import type { DriveRecord } from './alert-driver.js';
import type { IncidentMark } from './incident-driver.js';
import { percentiles } from './percentiles.js';
import { limitRefusals, type ProviderResult, type SimulationResult, type VerdictStatus } from './result.js';
import { describeIncident } from './scenarios.js';
import type { SimulationSettings } from './settings.js';
import { providerLimits, providerTier } from './sim-providers.js';
import { workloadDigest, type Alert } from './workload.js';

export interface RunRecord {
  readonly settings: SimulationSettings;
  readonly spanMs: number;
  /** Simulated time from the start to the last call's end (the span and the drain). */
  readonly activeMs: number;
  readonly realMs: number;
  readonly alerts: readonly Alert[];
  /** What the client side recorded (one driver, or a fleet's merged). */
  readonly record: DriveRecord;
  readonly incidentMarks: readonly IncidentMark[];
  readonly ledgers: Readonly<Partial<Record<ProviderId, KeyLedgerReport>>>;
  /** Where the run starts on the mock's timeline (ms since the mock started). */
  readonly ledgerOffsetMs: number;
  /** Worker processes sharing Redis (fleet runs). */
  readonly workers?: number;
}

const MINUTE_MS = 60_000;

export function summarize(run: RunRecord): SimulationResult {
  const { settings, spanMs, record } = run;
  const providers = settings.providers;
  // The providers were busy from the start until the last call ended (after the span).
  const minutes = Math.max(spanMs, run.activeMs) / MINUTE_MS;
  const perProvider: Partial<Record<ProviderId, ProviderResult>> = {};
  for (const id of providers) {
    const ledger = run.ledgers[id]!;
    const refusals = limitRefusals(ledger);
    const limits = providerLimits(id);
    const requestsPerMinute = ledger.admitted / minutes;
    perProvider[id] = {
      tier: providerTier(id),
      limits,
      received: ledger.received,
      admitted: ledger.admitted,
      succeeded: ledger.succeeded,
      injectedFailures: ledger.failed + ledger.rejected.quota + ledger.rejected.fault,
      rateLimited429s: refusals.total,
      rateLimitedByDimension: refusals.byDimension,
      violations: ledger.violations,
      peakConcurrency: ledger.peakConcurrency,
      tokensCharged: ledger.charged.tokens,
      served: record.servedBy[id] ?? 0,
      retries: record.retries[id] ?? 0,
      fallbacksFrom: record.fallbacksFrom[id] ?? 0,
      breakerTransitions: record.transitions.filter((t) => t.provider === id).length,
      requestsPerMinute: round1(requestsPerMinute),
      busiestLimit: busiestLimit(id, limits, ledger, minutes),
    };
  }
  const results = Object.values(perProvider);
  const sum = (f: (p: ProviderResult) => number) => results.reduce((n, p) => n + f(p), 0);
  const outcome = {
    requests: record.counts.dispatched,
    notSent: run.alerts.length - record.counts.dispatched,
    succeeded: record.counts.succeeded,
    failed: record.counts.failed,
    failedByCause: { ...record.failedByCause },
    servedByFallback: record.servedByFallback,
    unaccounted: record.counts.dispatched - record.counts.succeeded - record.counts.failed,
  };
  const totals = {
    provider429s: sum((p) => p.rateLimited429s),
    limitViolations: sum((p) => p.violations),
    retries: sum((p) => p.retries),
    fallbacks: sum((p) => p.fallbacksFrom),
    breakerTransitions: record.transitions.length,
    goodputPerMinute: round1(record.counts.succeeded / minutes),
  };
  const samples = record.samples;
  const sampleMs = samples.length > 1 ? samples[1]!.atMs - samples[0]!.atMs : spanMs;
  const latencyWindowMs = Math.max(sampleMs, spanMs / 40);
  const bySeverity: Record<string, number> = {};
  for (const a of run.alerts) bySeverity[a.severity] = (bySeverity[a.severity] ?? 0) + 1;
  return {
    version: 1,
    seed: settings.seed,
    scenario: { name: settings.scenario.name, description: settings.scenario.description, incidents: settings.scenario.incidents.map((i) => describeIncident(i, spanMs)) },
    providers,
    alertsPerDay: settings.alertsPerDay,
    speed: settings.speed,
    workers: run.workers ?? 1,
    simulatedMs: Math.round(spanMs),
    activeMs: Math.round(Math.max(spanMs, run.activeMs)),
    realMs: Math.round(run.realMs),
    workload: { alerts: run.alerts.length, digest: workloadDigest(run.alerts), bySeverity },
    outcome,
    totals,
    latencyMs: percentiles(record.latencies.map((l) => l.ms)),
    perProvider,
    transitions: record.transitions,
    incidents: run.incidentMarks,
    timeline: {
      sampleMs,
      samples,
      latency: latencyWindows(record.latencies, latencyWindowMs),
      attemptFailures: record.attemptFailures,
      providerAdmitted: Object.fromEntries(providers.map((id) => [id, trailingMinute(run.ledgers[id]!, samples.map((s) => s.atMs), run.ledgerOffsetMs)])),
    },
    verdict: verdict(outcome, totals, perProvider),
  };
}

/**
 * The per-minute limit a provider used most of, as a share of what it allowed over the run: a
 * bucket's burst (a minute's worth; a second's worth of xAI requests) plus its refill.
 */
function busiestLimit(id: ProviderId, limits: MockLimits, ledger: KeyLedgerReport, minutes: number): ProviderResult['busiestLimit'] {
  const uses: [string, number | undefined, number, number][] = [
    ['RPM', limits.requestsPerMinute, ledger.charged.requests, id === 'xai' ? 1 / 60 : 1],
    ['TPM', limits.tokensPerMinute, ledger.charged.tokens, 1],
    ['ITPM', limits.inputTokensPerMinute, ledger.charged.inputTokens, 1],
    ['OTPM', limits.outputTokensPerMinute, ledger.charged.outputTokens, 1],
  ];
  let best: ProviderResult['busiestLimit'] = null;
  for (const [limit, perMinute, used, burstMinutes] of uses) {
    if (!perMinute) continue;
    const share = round3(used / (perMinute * (minutes + burstMinutes)));
    if (best === null || share > best.share) best = { limit, share };
  }
  return best;
}

function latencyWindows(latencies: readonly { atMs: number; ms: number }[], windowMs: number): SimulationResult['timeline']['latency'] {
  const windows = new Map<number, number[]>();
  for (const l of latencies) {
    const index = Math.floor(l.atMs / windowMs);
    const list = windows.get(index) ?? [];
    list.push(l.ms);
    windows.set(index, list);
  }
  return [...windows.entries()].sort(([a], [b]) => a - b).map(([index, values]) => ({ atMs: Math.round((index + 1) * windowMs), ...percentiles(values) }));
}

/** Requests and tokens the provider admitted in the minute before each time (its own ledger). */
function trailingMinute(ledger: KeyLedgerReport, times: readonly number[], offsetMs: number): { atMs: number; requests: number; tokens: number }[] {
  const bySecond = new Map(ledger.timeline.map((s) => [s.second, s]));
  return times.map((atMs) => {
    const end = Math.floor((atMs + offsetMs) / 1000);
    let requests = 0;
    let tokens = 0;
    for (let second = end - 59; second <= end; second++) {
      const s = bySecond.get(second);
      if (s) {
        requests += s.admitted;
        tokens += s.tokens;
      }
    }
    return { atMs, requests, tokens };
  });
}

function verdict(outcome: SimulationResult['outcome'], totals: SimulationResult['totals'], perProvider: Partial<Record<ProviderId, ProviderResult>>): SimulationResult['verdict'] {
  const answered = outcome.requests === 0 ? 100 : (outcome.succeeded / outcome.requests) * 100;
  const share = `${answered.toFixed(answered === 100 ? 0 : 1)} % of ${outcome.requests} alerts answered (${outcome.servedByFallback} by a fallback provider)`;
  const fail = (line: string) => ({ status: 'fail' as VerdictStatus, line: `FAIL: ${line}` });
  if (totals.limitViolations > 0) return fail(`the providers' audits found ${totals.limitViolations} admissions over their limits. ${share}.`);
  if (outcome.unaccounted !== 0) return fail(`${outcome.unaccounted} requests never settled. ${share}.`);
  if (outcome.notSent > 0) return fail(`interrupted: ${outcome.notSent} of the run's alerts were never sent. ${share}.`);
  const problems: string[] = [];
  if (totals.provider429s > 0) {
    const where = Object.entries(perProvider).filter(([, p]) => p!.rateLimited429s > 0).map(([id, p]) => `${id} ${p!.rateLimited429s}`);
    problems.push(`${totals.provider429s} requests were refused by a provider's own limits (aim 0: ${where.join(', ')})`);
  }
  if (answered < 99) {
    const causes = Object.entries(outcome.failedByCause).sort(([, a], [, b]) => b - a).map(([cause, n]) => `${n} ${cause}`);
    problems.push(`${outcome.failed} alerts failed (${causes.join(', ')})`);
  }
  if (problems.length > 0) return { status: 'warn', line: `WARN: ${share}; ${problems.join('; ')}; 0 limit violations.` };
  const absorbed = outcome.failed > 0 ? `; ${outcome.failed} failed with a typed cause` : '';
  return { status: 'pass', line: `PASS: ${share}${absorbed}; 0 limit violations; 0 429s from the providers' limits; ${totals.breakerTransitions} breaker transitions, ${totals.fallbacks} fallbacks, ${totals.retries} retries absorbed the incidents.` };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round3 = (n: number) => Math.round(n * 1000) / 1000;
