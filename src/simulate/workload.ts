/**
 * The seeds' workload: a stream of monitoring alerts, each one LLM call to triage it. Arrivals are
 * a Poisson process at the day's average rate (times an incident's burst multiplier), drawn from a
 * seeded generator, so the same seed and scenario give the same alerts at the same simulated times.
 */
import { createHash } from 'node:crypto';
import { randomFor, type SeededRandom } from '../mock/random.js';
import type { Priority } from '../limiter/priority.js';

export type Severity = 'critical' | 'warning' | 'info';

export interface Alert {
  /** `alert-000001`: also the request id of its call. */
  readonly id: string;
  /** When it arrives, in simulated ms from the start of the run. */
  readonly atMs: number;
  readonly severity: Severity;
  readonly priority: Priority;
  /** The monitored service it is about. */
  readonly source: string;
  /** Tokens of the prompt by the providers' rule of thumb (4 characters a token). */
  readonly promptTokens: number;
  readonly maxTokens: number;
}

/** A period when alerts arrive `multiplier` times faster (an alert storm). */
export interface RateWindow {
  readonly fromMs: number;
  readonly untilMs: number;
  readonly multiplier: number;
}

export interface WorkloadOptions {
  readonly seed: number;
  readonly alertsPerDay: number;
  /** Simulated length of the run, in ms. */
  readonly durationMs: number;
  readonly bursts?: readonly RateWindow[];
  /** Refuse to generate more than this (memory and run time). */
  readonly maxAlerts?: number;
}

const DAY_MS = 86_400_000;
const SOURCES = ['checkout-api', 'payments-db', 'search-cluster', 'auth-gateway', 'ingest-queue', 'cdn-edge', 'billing-worker', 'k8s-node-pool'];
// Severity mix of a typical alert stream: few pages, many warnings, a tail of informational ones.
const SEVERITIES: readonly { severity: Severity; share: number; priority: Priority; maxTokens: number }[] = [
  { severity: 'critical', share: 0.05, priority: 'high', maxTokens: 400 },
  { severity: 'warning', share: 0.6, priority: 'normal', maxTokens: 256 },
  { severity: 'info', share: 0.35, priority: 'low', maxTokens: 160 },
];

export class WorkloadTooLargeError extends RangeError {
  constructor(readonly alerts: number, readonly limit: number) {
    super(`the run would generate about ${alerts} alerts, more than the ${limit} one run may hold: lower --alerts-per-day, --duration or --speed`);
    this.name = 'WorkloadTooLargeError';
  }
}

/** The alerts of a run, in arrival order. */
export function generateAlerts(options: WorkloadOptions): Alert[] {
  const limit = options.maxAlerts ?? 250_000;
  const bursts = options.bursts ?? [];
  const peak = Math.max(1, ...bursts.map((b) => b.multiplier));
  const baseRatePerMs = options.alertsPerDay / DAY_MS;
  const expected = baseRatePerMs * options.durationMs * peak;
  if (expected > limit) throw new WorkloadTooLargeError(Math.round(expected), limit);
  const arrivals = randomFor(options.seed, 'workload:arrivals');
  const traits = randomFor(options.seed, 'workload:traits');
  const alerts: Alert[] = [];
  if (baseRatePerMs <= 0) return alerts;
  // Thinning (Lewis-Shedler): candidates at the peak rate, each kept with probability rate(t) / peak.
  const peakRate = baseRatePerMs * peak;
  let t = 0;
  for (;;) {
    t += -Math.log(1 - arrivals.next()) / peakRate;
    if (t >= options.durationMs) break;
    if (arrivals.next() * peak >= multiplierAt(bursts, t)) continue;
    alerts.push(alertAt(alerts.length + 1, t, traits));
  }
  return alerts;
}

function multiplierAt(bursts: readonly RateWindow[], t: number): number {
  let multiplier = 1;
  for (const b of bursts) if (t >= b.fromMs && t < b.untilMs) multiplier = Math.max(multiplier, b.multiplier);
  return multiplier;
}

function alertAt(index: number, atMs: number, random: SeededRandom): Alert {
  const roll = random.next();
  let cumulative = 0;
  const kind = SEVERITIES.find((s) => (cumulative += s.share) > roll) ?? SEVERITIES[SEVERITIES.length - 1]!;
  // Prompt sizes: log-normal around 450 tokens (an alert with its context and recent log lines).
  const promptTokens = Math.round(Math.min(3000, Math.max(120, 450 * Math.exp(0.45 * random.standardNormal()))));
  return {
    id: `alert-${String(index).padStart(6, '0')}`,
    atMs: Math.round(atMs * 1000) / 1000,
    severity: kind.severity,
    priority: kind.priority,
    source: SOURCES[random.integer(0, SOURCES.length - 1)]!,
    promptTokens,
    maxTokens: kind.maxTokens,
  };
}

/** The prompt of an alert: about `promptTokens` tokens (4 characters each), different per alert. */
export function alertPrompt(alert: Alert): string {
  const head = `Triage this ${alert.severity} alert ${alert.id} from ${alert.source}: say what is wrong, how urgent it is and who should act.\n`;
  const line = `${alert.source} ${alert.id}: p99 latency above threshold, error rate rising, recent deploy suspected.\n`;
  let text = head;
  while (text.length < alert.promptTokens * 4) text += line;
  return text.slice(0, Math.max(head.length, alert.promptTokens * 4));
}

/** A digest of the request sequence (ids, times, priorities, sizes): equal for equal runs. */
export function workloadDigest(alerts: readonly Alert[]): string {
  const hash = createHash('sha256');
  for (const a of alerts) hash.update(`${a.id}|${a.atMs}|${a.severity}|${a.priority}|${a.source}|${a.promptTokens}|${a.maxTokens}\n`);
  return hash.digest('hex');
}
