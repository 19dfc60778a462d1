/** The `redis` benchmark's report: markdown tables for both parts. */
import type { FleetPlan } from './fleet-config.js';
import { jitterMs, type FleetVerdict } from './fleet-verdict.js';
import { FLOOR_TARGET, type ModeFigures, type ThroughputRow, type Verdict } from './throughput-rows.js';
import type { WindowFinding } from './window-audit.js';

export interface ReportInput {
  versions: Record<string, string>;
  inFlight: number;
  rounds: number;
  rows: ThroughputRow[];
  verdicts: Verdict[];
  skipped: Array<{ name: string; reason: string }>;
  /** Our script calls per admission (see round-trips.ts). */
  roundTrips: Record<'sequential' | 'inFlight' | 'leasesSequential' | 'leasesInFlight', number>;
  configurations: Record<string, string>;
  plan: FleetPlan;
  fleet: FleetVerdict[];
  fleetSkipped: Array<{ name: string; reason: string }>;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const micros = (ns: number): string => `${(ns / 1000).toFixed(ns >= 100_000 ? 0 : 1)} µs`;
const spread = (f: ModeFigures): string => `±${Math.round(((f.p75 - f.p25) / 2 / f.nsPerOp) * 100)}%`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const window = (f: WindowFinding): string =>
  Number.isFinite(f.excess) ? `${f.admitted} in ${seconds(f.fromMs)}–${seconds(f.toMs)}, allowed ${f.allowed.toFixed(1)}` : 'no admissions';

function throughputTable(input: ReportInput): string[] {
  const lines = [
    `| subject | sequential: admissions/s | per admission | × floor | ${input.inFlight} in flight: admissions/s | per admission | × floor |`,
    '|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of input.rows) {
    const cells = [r.sequential, r.inFlight].flatMap((f) => [int(f.opsPerSecond), `${micros(f.nsPerOp)} ${spread(f)}`, `${f.vsFloor.toFixed(2)}×`]);
    lines.push(`| ${r.name} | ${cells.join(' | ')} |`);
  }
  const label = (mode: Verdict['mode']): string => (mode === 'sequential' ? 'sequential' : `${input.inFlight} in flight`);
  lines.push(
    '',
    `Median of ${input.rounds} interleaved rounds per mode (±: half the interquartile range). Per admission = wall time ÷ admissions; with ${input.inFlight} in flight they overlap, so it is the inverse of throughput, not a latency.`,
    ...input.verdicts.map(
      (v) =>
        `- ${label(v.mode)}: ours takes ${v.vsFloor.toFixed(2)}× the floor's time per admission — ${v.withinFloorTarget ? 'meets' : 'misses'} the target of ≤ ${FLOOR_TARGET.toFixed(2)}×; ${v.notAheadOf.length === 0 ? 'ahead of both peers' : `not ahead of ${v.notAheadOf.join(', ')}`}.`,
    ),
    `- Ours, Redis script calls per admission (counted apart, untimed): ${input.roundTrips.sequential.toFixed(2)} sequential, ${input.roundTrips.inFlight.toFixed(2)} with ${input.inFlight} in flight (waiting requests share an admission call); with maxConcurrent ${input.roundTrips.leasesSequential.toFixed(2)} and ${input.roundTrips.leasesInFlight.toFixed(2)} (the release frees the lease in its own call, sent without waiting for it). The floor and rate-limiter-flexible make 1 call per admission.`,
    ...input.skipped.map((s) => `- **${s.name} not measured**: ${s.reason}`),
    '',
    'Configurations:',
    ...Object.entries(input.configurations).map(([name, code]) => `- ${name}: ${code}`),
  );
  return lines;
}

function fleetTable(input: ReportInput): string[] {
  const p = input.plan;
  const lines = [
    `Limit: ${p.capacity} admissions per ${p.windowMs / 1000} s (bucket ${p.capacity}, refilled at ${(p.capacity * 1000) / p.windowMs}/s), shared by ${p.workers} processes × ${p.callersPerWorker} callers admitting as fast as they are let, ${p.durationMs / 1000} s per limiter. Each admission is timestamped by its worker when granted (wall clock, one host); windows are widened by ${jitterMs(p).toFixed(0)} ms for that delivery jitter.`,
    '',
    '| limiter | its promise | admitted | per worker | of the nominal allowance | over its promise | worst window vs its promise | over the nominal bucket | worst window vs the bucket | failed calls |',
    '|---|---|--:|---|--:|--:|---|--:|---|--:|',
  ];
  for (const v of input.fleet) {
    lines.push(
      `| ${v.limiter} | ${v.promise} | ${v.admitted} | ${v.perWorker.join(' / ')} | ${(v.usedOfNominal * 100).toFixed(1)}% | **${v.ownOverAdmitted}** | ${window(v.own)} | ${v.nominalOverAdmitted} | ${window(v.nominal)} | ${v.failures} |`,
    );
  }
  lines.push(
    '',
    `Nominal allowance over the run: ${p.capacity} + ${(p.capacity * 1000) / p.windowMs}/s × ${p.durationMs / 1000} s = ${p.capacity + (p.capacity * p.durationMs) / p.windowMs}. "Over" = whole admissions beyond what the bound allows in the worst window (0: the limit held in every window).`,
    ...input.fleet.filter((v) => v.firstFailure !== undefined).map((v) => `- ${v.limiter}: first failure: ${v.firstFailure}`),
    ...input.fleet.filter((v) => v.killedWorkers > 0).map((v) => `- ${v.limiter}: ${v.killedWorkers} worker(s) did not exit on their own and were killed.`),
    ...input.fleetSkipped.map((s) => `- **${s.name} not measured**: ${s.reason}`),
  );
  return lines;
}

export function markdown(input: ReportInput): string {
  return [
    `Redis ${input.versions.redis} on 127.0.0.1; ${Object.entries(input.versions)
      .filter(([name]) => name !== 'redis')
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}.`,
    '',
    '### A. Admissions per second through Redis',
    '',
    ...throughputTable(input),
    '',
    '### B. One limit shared by several processes: over-admission',
    '',
    ...fleetTable(input),
  ].join('\n');
}
