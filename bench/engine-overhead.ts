/**
 * Per-call overhead of the engine against peer libraries: an async no-op (`async () => 1`) called
 * bare and through each library, with limits so high that nothing ever waits, one after another
 * and 1 000 in flight at once. The target: our whole pipeline (limiter with RPM + TPM +
 * concurrency, breaker, retry, stats) adds at most half of what cockatiel's retry + breaker +
 * bulkhead adds.
 */
import { readFileSync } from 'node:fs';
import Bottleneck from 'bottleneck';
import { bulkhead, circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleAll, retry, wrap } from 'cockatiel';
import OpossumBreaker from 'opossum';
import PQueue from 'p-queue';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { createResilience } from '../src/index.js';
import { compare, type Mode, type RoundPlan, type Sample, type Subject } from './harness.js';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './benchmark.js';

const IN_FLIGHT = 1_000;
const HUGE = 1_000_000_000;
const PEERS = ['cockatiel', 'opossum', 'p-queue', 'bottleneck', 'rate-limiter-flexible'] as const;

const noop = async (): Promise<number> => 1;

function versionAt(path: string): string {
  return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
}

interface Setup {
  subjects: Subject[];
  /** Checks that nothing waited or was refused, then stops timers. */
  finish(): void;
}

function setUp(): Setup {
  const resilience = createResilience({
    services: {
      svc: { rateLimit: { requestsPerMinute: 1e12, tokensPerMinute: 1e15, maxConcurrent: HUGE }, circuitBreaker: {}, retry: {} },
    },
  });
  const cockatiel = wrap(
    retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    bulkhead(HUGE),
  );
  // opossum's default 10 s timeout arms a timer per call; ours has none configured, so neither does this.
  const opossum = new OpossumBreaker(noop, { timeout: false });
  const queue = new PQueue({ concurrency: Infinity });
  const bottleneck = new Bottleneck({ maxConcurrent: null, minTime: 0 });
  const flexible = new RateLimiterMemory({ points: 1e12, duration: 60 });

  const subjects: Subject[] = [
    { name: 'bare call', call: () => noop() },
    { name: 'llm-resilience', call: () => resilience.execute('svc', noop, { tokens: 1 }) },
    { name: 'cockatiel', call: () => cockatiel.execute(noop) },
    { name: 'opossum', call: () => opossum.fire() },
    { name: 'p-queue', call: () => queue.add(noop) },
    { name: 'bottleneck', call: () => bottleneck.schedule(noop) },
    { name: 'rate-limiter-flexible', call: () => flexible.consume('svc', 1).then(noop) },
  ];
  return {
    subjects,
    finish() {
      const limiter = resilience.getStats().rateLimiters.svc!;
      const service = resilience.getStats().services.svc!;
      if (limiter.waited !== 0 || limiter.rejected !== 0 || service.retries !== 0 || service.failed !== 0) {
        throw new Error(`llm-resilience did not run unhindered: ${JSON.stringify({ limiter, service })}`);
      }
      if (opossum.stats.failures !== 0 || !opossum.closed) throw new Error('opossum saw failures');
      opossum.shutdown();
      void bottleneck.disconnect();
    },
  };
}

export interface EngineRow {
  name: string;
  version: string;
  sequential: Sample & { overheadNs: number; vsCockatiel: number | null };
  inFlight: Sample & { overheadNs: number; vsCockatiel: number | null };
}

function withOverhead(samples: Sample[]): Array<Sample & { overheadNs: number; vsCockatiel: number | null }> {
  const bare = samples.find((s) => s.name === 'bare call')!.median;
  const cockatielOverhead = samples.find((s) => s.name === 'cockatiel')!.median - bare;
  return samples.map((s) => {
    const overheadNs = s.name === 'bare call' ? 0 : s.median - bare;
    return { ...s, overheadNs, vsCockatiel: s.name === 'bare call' ? null : overheadNs / cockatielOverhead };
  });
}

const fmtNs = (ns: number): string => (ns >= 100_000 ? `${(ns / 1000).toFixed(0)} µs` : ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${Math.round(ns)} ns`);
const fmtMs = (ns: number): string => `${(ns / 1e6).toFixed(ns >= 1e8 ? 0 : 1)} ms`;
const spread = (s: Sample): string => `±${Math.round(((s.p75 - s.p25) / 2 / s.median) * 100)}%`;
const ratio = (r: number | null): string => (r === null ? '' : `${r.toFixed(2)}×`);

function markdown(rows: EngineRow[], plan: { sequential: RoundPlan; inFlight: RoundPlan }): string {
  const notes: string[] = [];
  const lines = [
    `| library | version | sequential ns/op | overhead | × cockatiel's | ${IN_FLIGHT} in flight ns/op | overhead | × cockatiel's |`,
    '|---|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const cells = [r.sequential, r.inFlight].flatMap((s) => [
      `${fmtNs(s.median)} ${spread(s)}`,
      r.name === 'bare call' ? '' : fmtNs(s.overheadNs),
      ratio(s.vsCockatiel),
    ]);
    lines.push(`| ${r.name} | ${r.version} | ${cells.join(' | ')} |`);
    for (const [label, s] of [['sequential', r.sequential], [`${IN_FLIGHT} in flight`, r.inFlight]] as const) {
      if (s.rounds < plan.sequential.rounds) notes.push(`${r.name}, ${label}: ${s.rounds} rounds of ${s.ops} calls only (one round takes ${fmtMs(s.median * s.ops)}).`);
    }
  }
  const ours = rows.find((r) => r.name === 'llm-resilience')!;
  const verdict = (label: string, s: EngineRow['sequential']): string =>
    `- ${label}: ours adds ${fmtNs(s.overheadNs)}, ${ratio(s.vsCockatiel)} cockatiel's overhead — ${s.vsCockatiel! <= 0.5 ? 'meets' : `misses (${(s.vsCockatiel! / 0.5).toFixed(1)}× the allowance)`} the target of ≤ 0.50×.`;
  lines.push(
    '',
    `Median of ${plan.sequential.rounds} interleaved rounds per mode (±: half the interquartile range); overhead = median − bare call's median.`,
    verdict('sequential', ours.sequential),
    verdict(`${IN_FLIGHT} in flight`, ours.inFlight),
    ...notes.map((n) => `- ${n}`),
  );
  return lines.join('\n');
}

export const engineOverhead: Benchmark = {
  name: 'engine',
  description: `per-call overhead of an async no-op through llm-resilience and its peers, sequential and ${IN_FLIGHT} in flight`,
  async run(options: BenchmarkOptions): Promise<BenchmarkReport> {
    const rounds = options.rounds ?? 100;
    const base = { rounds, warmupRounds: 3, roundMs: options.roundMs ?? 20, slowSubjectBudgetMs: 5_000 };
    const plan = {
      sequential: { ...base, minOps: 10, maxOps: 2_000_000 },
      inFlight: { ...base, minOps: IN_FLIGHT, maxOps: 2_000 * IN_FLIGHT },
    };
    const setup = setUp();
    const results: Record<'sequential' | 'inFlight', Sample[]> = { sequential: [], inFlight: [] };
    const modes: Array<['sequential' | 'inFlight', Mode]> = [
      ['sequential', { kind: 'sequential' }],
      ['inFlight', { kind: 'inFlight', batch: IN_FLIGHT }],
    ];
    for (const [key, mode] of modes) {
      options.log(`engine: ${key}, ${setup.subjects.length} subjects × ${base.warmupRounds + rounds} rounds of ~${base.roundMs} ms`);
      results[key] = await compare(setup.subjects, mode, plan[key], (line) => options.log(`  ${key} ${line}`));
    }
    setup.finish();
    const sequential = withOverhead(results.sequential);
    const inFlight = withOverhead(results.inFlight);
    const versions: Record<string, string> = { 'bare call': '', 'llm-resilience': versionAt('../package.json') };
    for (const peer of PEERS) versions[peer] = versionAt(`../node_modules/${peer}/package.json`);
    const rows: EngineRow[] = sequential.map((s, i) => ({ name: s.name, version: versions[s.name] ?? '', sequential: s, inFlight: inFlight[i]! }));
    return {
      title: 'Engine overhead: async no-op per call',
      markdown: markdown(rows, plan),
      data: { inFlight: IN_FLIGHT, plan, opossumTimeout: false, rows },
    };
  },
};
