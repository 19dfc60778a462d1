/**
 * Part B's parent: forks the workers of one limiter on a shared namespace, starts them together,
 * merges what they admitted, deletes the keys, and makes sure no worker outlives the run.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deleteMatching, newClient, uniqueName } from './connection.js';
import type { FleetLimiter, FleetPlan } from './fleet-config.js';
import { type FromWorker, type ToWorker, wallNow } from './fleet-protocol.js';

const WORKER = fileURLToPath(new URL('./fleet-worker.ts', import.meta.url));
/** Workers start (tsx compiles on the fly) and connect within this; the run is abandoned otherwise. */
const READY_TIMEOUT_MS = 30_000;
/** After the deadline: time to stop, close and report. */
const REPORT_TIMEOUT_MS = 15_000;
const EXIT_TIMEOUT_MS = 5_000;
/** The start is announced this far ahead so that every worker is waiting for it. */
const START_LEAD_MS = 300;

export interface FleetRun {
  limiter: FleetLimiter;
  /** Wall-clock ms the run started. */
  startMs: number;
  /** Every admission's wall-clock ms, sorted. */
  admissions: number[];
  /** rate-limiter-flexible only: { at, windowEnd } per admission. */
  windows: Array<{ at: number; windowEnd: number }>;
  perWorker: number[];
  failures: number;
  firstFailure: string | undefined;
  /** Workers that had to be killed because they did not exit on their own after reporting. */
  killed: number;
  keysDeleted: number;
}

interface Worker {
  child: ChildProcess;
  exited: Promise<number | null>;
  next(type: FromWorker['type'], timeoutMs: number): Promise<FromWorker>;
}

function spawnWorker(limiter: FleetLimiter, namespace: string, plan: FleetPlan): Worker {
  // stdout goes to our stderr: the report owns stdout.
  const child = fork(WORKER, [limiter, namespace, JSON.stringify(plan)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 2, 2, 'ipc'] });
  const inbox: FromWorker[] = [];
  const waiting: Array<() => void> = [];
  child.on('message', (message: FromWorker) => {
    inbox.push(message);
    waiting.splice(0).forEach((wake) => wake());
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
    waiting.splice(0).forEach((wake) => wake());
  });
  return {
    child,
    exited,
    next(type, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker ${child.pid}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
        const settle = (outcome: () => void): void => {
          clearTimeout(timer);
          outcome();
        };
        const check = (): void => {
          const failed = inbox.find((m) => m.type === 'failed');
          const found = inbox.find((m) => m.type === type);
          if (failed?.type === 'failed') settle(() => reject(new Error(`worker ${child.pid} failed: ${failed.message}`)));
          else if (found) settle(() => resolve(found));
          else if (gone) settle(() => reject(new Error(`worker ${child.pid} exited before '${type}'`)));
          else waiting.push(check);
        };
        check();
      });
    },
  };
}

/** Waits for every worker to exit, killing those still there after the timeout; resolves to how many were killed. */
async function reap(workers: Worker[]): Promise<number> {
  let killed = 0;
  await Promise.all(
    workers.map(async (w) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, EXIT_TIMEOUT_MS, 'late')));
      if ((await Promise.race([w.exited, late])) === 'late') {
        killed++;
        w.child.kill('SIGKILL');
        await w.exited;
      }
      clearTimeout(timer);
    }),
  );
  return killed;
}

export async function runFleet(limiter: FleetLimiter, plan: FleetPlan, log: (line: string) => void): Promise<FleetRun> {
  const namespace = uniqueName('llmr-fleet');
  const workers: Worker[] = [];
  let merged: Omit<FleetRun, 'killed' | 'keysDeleted'>;
  let killed: number;
  let keysDeleted: number;
  try {
    for (let i = 0; i < plan.workers; i++) workers.push(spawnWorker(limiter, namespace, plan));
    await Promise.all(workers.map((w) => w.next('ready', READY_TIMEOUT_MS)));
    const start: ToWorker = { type: 'start', atEpochMs: wallNow() + START_LEAD_MS, durationMs: plan.durationMs };
    log(`  ${limiter}: ${plan.workers} workers ready, running ${plan.durationMs / 1000} s`);
    for (const w of workers) w.child.send(start);
    const reports = await Promise.all(workers.map((w) => w.next('done', START_LEAD_MS + plan.durationMs + REPORT_TIMEOUT_MS)));
    const done = reports.filter((r): r is Extract<FromWorker, { type: 'done' }> => r.type === 'done');
    merged = {
      limiter,
      startMs: start.atEpochMs,
      admissions: done.flatMap((r) => r.admissions).sort((a, b) => a - b),
      windows: done.flatMap((r) => r.windowEnds.map((windowEnd, i) => ({ at: r.admissions[i]!, windowEnd }))),
      perWorker: done.map((r) => r.admissions.length),
      failures: done.reduce((sum, r) => sum + r.failures, 0),
      firstFailure: done.find((r) => r.firstFailure !== undefined)?.firstFailure,
    };
  } finally {
    killed = await reap(workers);
    keysDeleted = await deleteKeys(namespace);
  }
  return { ...merged, killed, keysDeleted };
}

async function deleteKeys(namespace: string): Promise<number> {
  const client = newClient();
  try {
    // Ours and rate-limiter-flexible prefix their keys with the namespace; bottleneck names them b_<id>_*.
    return (await deleteMatching(client, `${namespace}:*`)) + (await deleteMatching(client, `b_${namespace}_*`));
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}
