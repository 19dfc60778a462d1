/**
 * The fleet cell: our client in 4 processes sharing the limits through Redis, against one mock
 * key in this process. Workers are forked, started together, and their results merged; a worker
 * that does not answer in time is killed, and the run's Redis keys are deleted whatever happens.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startMockServer } from '../../src/mock/index.js';
import type { LoadResult } from '../load/callers.js';
import { deleteMatching, newClient, uniqueName } from '../redis/connection.js';
import { nominalTokens } from './cell.js';
import { epochNow, type FleetWorkerConfig, type FromFleetWorker, type ToFleetWorker } from './fleet-protocol.js';
import { toRow, type Row } from './row.js';
import type { Scenario } from './scenarios.js';
import type { Subject } from './subject.js';
import { CALLERS, DRAIN_MS } from './workload.js';

const WORKER = fileURLToPath(new URL('./fleet-worker.ts', import.meta.url));
/** Workers compile (tsx) and connect within this. */
const READY_TIMEOUT_MS = 30_000;
/** The start is announced this far ahead so that every worker is waiting for it. */
const START_LEAD_MS = 300;
/** After the drain: time for a worker to report. */
const REPORT_GRACE_MS = 15_000;
const EXIT_TIMEOUT_MS = 5_000;

/** The next message of `child` of type `type`, or an error after `timeoutMs` (or when it fails or exits). */
async function nextMessage<T extends FromFleetWorker['type']>(child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<FromFleetWorker, { type: T }>> {
  const signal = AbortSignal.timeout(timeoutMs);
  const exited = once(child, 'exit', { signal }).then(() => Promise.reject(new Error(`fleet worker ${child.pid} exited before '${type}'`)));
  exited.catch(() => undefined);
  // Bounded by the signal: at most one message per stage is expected, so a few iterations suffice.
  for (let i = 0; i < 100; i++) {
    const [message] = (await Promise.race([once(child, 'message', { signal }), exited])) as [FromFleetWorker];
    if (message.type === 'failed') throw new Error(`fleet worker ${child.pid} failed: ${message.message}`);
    if (message.type === type) return message as Extract<FromFleetWorker, { type: T }>;
  }
  throw new Error(`fleet worker ${child.pid}: no '${type}'`);
}

/** Waits for `child` to exit; kills it if it is still there after EXIT_TIMEOUT_MS. */
async function reap(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    await once(child, 'exit', { signal: AbortSignal.timeout(EXIT_TIMEOUT_MS) });
  } catch {
    child.kill('SIGKILL');
  }
}

function merge(loads: readonly LoadResult[]): LoadResult {
  const failures: Record<string, number> = {};
  for (const load of loads) for (const [name, count] of Object.entries(load.failures)) failures[name] = (failures[name] ?? 0) + count;
  return {
    latencies: loads.flatMap((l) => l.latencies).sort((a, b) => a - b),
    failed: loads.reduce((sum, l) => sum + l.failed, 0),
    unfinished: loads.reduce((sum, l) => sum + l.unfinished, 0),
    elapsedMs: Math.max(...loads.map((l) => l.elapsedMs)),
    failures,
    firstErrors: loads.flatMap((l) => l.firstErrors).slice(0, 5),
  };
}

export async function runFleetCell(scenario: Scenario, subject: Subject, options: { cellMs: number; seed?: number }): Promise<Row> {
  const processes = scenario.fleetProcesses ?? 4;
  const apiKey = `sk-accuracy-fleet-${subject.id}`;
  const prefix = uniqueName('llmr-accuracy');
  const mock = await startMockServer({ seed: options.seed ?? 7, keys: { [apiKey]: scenario.key } });
  const config: FleetWorkerConfig = {
    subject: subject.id,
    url: mock.url,
    apiKey,
    told: scenario.told,
    workload: scenario.workload,
    callers: Math.ceil(CALLERS / processes),
    durationMs: options.cellMs,
    drainMs: DRAIN_MS,
    prefix,
  };
  // Worker output goes to our stderr: stdout is the report's.
  const children = Array.from({ length: processes }, () => fork(WORKER, [JSON.stringify(config)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 2, 2, 'ipc'] }));
  try {
    await Promise.all(children.map((child) => nextMessage(child, 'ready', READY_TIMEOUT_MS)));
    const start: ToFleetWorker = { type: 'start', atEpochMs: epochNow() + START_LEAD_MS };
    const startWallMs = start.atEpochMs;
    for (const child of children) child.send(start);
    const done = await Promise.all(children.map((child) => nextMessage(child, 'done', START_LEAD_MS + options.cellMs + DRAIN_MS + REPORT_GRACE_MS)));
    return toRow({
      scenario: scenario.name,
      subject: `${subject.label} × ${processes} processes`,
      load: merge(done.map((d) => d.load)),
      ledger: mock.ledger(apiKey),
      key: mock.keys[apiKey]!,
      startWallMs,
      nominalTokens: nominalTokens(scenario.workload.prompt, scenario.workload.maxTokens),
    });
  } finally {
    await Promise.all(children.map(reap));
    await mock.close();
    const redis = newClient();
    await deleteMatching(redis, `${prefix}:*`).catch(() => 0);
    redis.disconnect();
  }
}
