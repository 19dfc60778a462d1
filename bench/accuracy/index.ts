/**
 * `npm run bench -- accuracy`: how close each client comes to what the provider's limits allow
 * without being refused, against the mock provider over real HTTP on 127.0.0.1. Scenarios ×
 * clients, a fresh mock key per cell; each row counts the provider's 429s (from the mock's
 * ledger), the client's failures, calls left unfinished, goodput against the binding limit,
 * attempts per success and p95 latency. `--round-ms N` sets the cell length (default 15 000; about
 * 14 minutes in all, `--round-ms 5000` about 6). The environment variables ACCURACY_SCENARIOS and
 * ACCURACY_SUBJECTS (comma-separated names or ids) run a subset. Also writes everything to
 * artifacts/bench-accuracy.json, from which `node --import tsx bench/accuracy/update-doc.ts`
 * rewrites the Accuracy section of BENCHMARKS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from '../benchmark.js';
import { redisAnswers, REDIS_HOST, REDIS_PORT } from '../redis/connection.js';
import { runCell } from './cell.js';
import { runFleetCell } from './fleet.js';
import { accuracyMarkdown, type Skipped, TITLE } from './report.js';
import type { Row } from './row.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { SUBJECTS } from './subjects.js';
import type { Subject } from './subject.js';
import { DEFAULT_CELL_MS } from './workload.js';

const ARTIFACT = new URL('../../artifacts/bench-accuracy.json', import.meta.url);

/** The names a comma-separated environment variable selects, or undefined for all. */
function selected(variable: string): Set<string> | undefined {
  const value = process.env[variable];
  return value ? new Set(value.split(',').map((s) => s.trim())) : undefined;
}

function cellsOf(scenario: Scenario, subjects: readonly Subject[]): Subject[] {
  return subjects.filter((s) => scenario.fleetProcesses === undefined || s.ours);
}

export const accuracy: Benchmark = {
  name: 'accuracy',
  description: 'scenarios × clients against the mock provider: 429s, failures, unfinished calls, goodput vs the limits, attempts per success, p95',
  async run(options: BenchmarkOptions): Promise<BenchmarkReport> {
    const cellMs = options.roundMs ?? DEFAULT_CELL_MS;
    const scenarioNames = selected('ACCURACY_SCENARIOS');
    const subjectIds = selected('ACCURACY_SUBJECTS');
    const scenarios = SCENARIOS.filter((s) => !scenarioNames || scenarioNames.has(s.name));
    const subjects = SUBJECTS.filter((s) => !subjectIds || subjectIds.has(s.id));
    const started = performance.now();
    const rows: Row[] = [];
    const skipped: Skipped[] = [];
    for (const scenario of scenarios) {
      if (scenario.fleetProcesses !== undefined && !(await redisAnswers())) {
        const reason = `Redis does not answer on ${REDIS_HOST}:${REDIS_PORT}`;
        options.log(`accuracy: ${scenario.name} skipped: ${reason}`);
        skipped.push({ scenario: scenario.name, reason });
        continue;
      }
      for (const subject of cellsOf(scenario, subjects)) {
        options.log(`accuracy: ${scenario.name} × ${subject.label}, ${cellMs / 1000} s`);
        const row = scenario.fleetProcesses === undefined ? await runCell(scenario, subject, { cellMs }) : await runFleetCell(scenario, subject, { cellMs });
        options.log(`  429s ${row.server429s} of ${row.attempts}, failed ${row.failed}, unfinished ${row.unfinished}, goodput ${row.goodput.toFixed(2)}, ${(row.elapsedMs / 1000).toFixed(1)} s`);
        rows.push(row);
      }
    }
    const markdown = accuracyMarkdown(scenarios, rows, skipped, cellMs);
    const data = { cellMs, date: new Date().toISOString(), node: process.version, seconds: (performance.now() - started) / 1000, rows, skipped };
    mkdirSync(fileURLToPath(new URL('.', ARTIFACT)), { recursive: true });
    writeFileSync(ARTIFACT, `${JSON.stringify({ ...data, markdown }, null, 2)}\n`);
    options.log(`accuracy: wrote ${fileURLToPath(ARTIFACT)}`);
    return { title: TITLE, markdown, data };
  },
};
