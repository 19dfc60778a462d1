/**
 * `npm run bench [-- name... ] [--json] [--rounds N] [--round-ms N] [--list]`: runs the named
 * benchmarks (all by default) and prints a markdown report, or JSON with `--json`.
 * Progress goes to stderr.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { accuracy } from './accuracy/index.js';
import type { Benchmark, BenchmarkReport } from './benchmark.js';
import { engineOverhead } from './engine-overhead.js';
import { goodput } from './goodput.js';
import { queueScale } from './queue-scale.js';
import { redisBenchmark } from './redis-store.js';

const BENCHMARKS: readonly Benchmark[] = [engineOverhead, goodput, redisBenchmark, accuracy, queueScale];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'round-ms': { type: 'string' },
  },
});

if (values.list) {
  for (const b of BENCHMARKS) console.log(`${b.name}\t${b.description}`);
  process.exit(0);
}

const unknown = positionals.filter((name) => !BENCHMARKS.some((b) => b.name === name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.map((n) => `'${n}'`).join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${flag} wants a positive integer, got '${value}'`);
    process.exit(2);
  }
  return n;
}

const selected = positionals.length > 0 ? BENCHMARKS.filter((b) => positionals.includes(b.name)) : BENCHMARKS;
const options = {
  rounds: positiveInteger('rounds', values.rounds),
  roundMs: positiveInteger('round-ms', values['round-ms']),
  log: (line: string) => process.stderr.write(`${line}\n`),
};
const cpu = cpus();
const environment = {
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: `${cpu.length} × ${cpu[0]?.model ?? 'unknown'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  date: new Date().toISOString(),
};

const started = performance.now();
const reports: Array<BenchmarkReport & { name: string }> = [];
for (const benchmark of selected) reports.push({ name: benchmark.name, ...(await benchmark.run(options)) });
const seconds = (performance.now() - started) / 1000;

if (values.json) {
  console.log(JSON.stringify({ environment, seconds, benchmarks: Object.fromEntries(reports.map((r) => [r.name, r])) }, null, 2));
} else {
  console.log(`Node ${environment.node}, ${environment.platform}, ${environment.cpu}, ${environment.memoryGiB} GiB; ${seconds.toFixed(0)} s\n`);
  for (const r of reports) console.log(`## ${r.title}\n\n${r.markdown}\n`);
}
