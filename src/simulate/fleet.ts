/**
 * `simulate --redis`: the same run across several worker processes whose limits and breakers
 * live in one Redis. This process serves the mock providers and plays the incidents; each worker
 * sends its share of the alerts (every n-th) and reports back. The fleet keeps real time: Redis's
 * clock (`TIME`), which every process shares, does not run faster.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.js';
import { connectIoredis } from '../redis/redis-from-config.js';
import type { DriveProgress, DriveRecord } from './alert-driver.js';
import { ALERT_DEADLINE_MS } from './alert-driver.js';
import type { FromWorker, ToWorker, WorkerInit } from './fleet-protocol.js';
import { mergeProgress, mergeRecords } from './merge-records.js';
import type { SimulationResult } from './result.js';
import { observeRun, setStage, type RunHooks } from './observe-run.js';
import { checkSettings, type SimulationSettings } from './settings.js';

export interface FleetOptions {
  readonly redisUrl: string;
  readonly workers: number;
}

/** Longest real time a worker may take to connect and warm up. */
const READY_TIMEOUT_MS = 30_000;

/** The worker's entry: the built file beside this code, or the TypeScript source (run through tsx). */
function workerEntry(): { path: string; execArgv: string[] } {
  const here = import.meta.url;
  const source = here.endsWith('.ts');
  const candidates = source ? ['./fleet-worker.ts'] : ['./fleet-worker.js', '../fleet-worker.js'];
  for (const candidate of candidates) {
    const path = fileURLToPath(new URL(candidate, here));
    if (existsSync(path)) return { path, execArgv: source ? ['--import', 'tsx'] : [] };
  }
  throw new Error(`simulate --redis: the worker entry (${candidates.join(' or ')}) is missing beside ${fileURLToPath(here)}`);
}

/** Fails with a clear message when Redis does not answer, before any process starts. */
async function checkRedis(url: string): Promise<void> {
  const client = (await connectIoredis(url, '--redis')) as unknown as { ping(): Promise<string>; disconnect(): void };
  try {
    const answer = await Promise.race([client.ping(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer in 2 s')), 2_000).unref())]);
    if (answer !== 'PONG') throw new Error(`PING answered ${answer}`);
  } catch (error) {
    throw new ConfigError('--redis', url, `a Redis server that answers (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    client.disconnect();
  }
}

export async function runFleet(settings: SimulationSettings, fleet: FleetOptions, hooks: RunHooks = {}): Promise<SimulationResult> {
  checkSettings(settings);
  if (settings.speed !== 1) throw new ConfigError('--speed', settings.speed, "1 with --redis: the fleet shares Redis's clock, which runs in real time");
  if (!Number.isInteger(fleet.workers) || fleet.workers < 1 || fleet.workers > 16) throw new ConfigError('--workers', fleet.workers, 'an integer from 1 to 16');
  await checkRedis(fleet.redisUrl);
  const entry = workerEntry();
  const stage = await setStage(settings);
  const { mock, spanMs } = stage;
  const children: ChildProcess[] = [];
  const latest: DriveProgress[] = [];
  const records: (DriveRecord | undefined)[] = [];
  try {
    const prefix = `llmr-sim-${randomBytes(6).toString('hex')}`;
    const { clock: _clock, signal: _signal, ...plain } = settings;
    const ready: Promise<void>[] = [];
    const done: Promise<void>[] = [];
    for (let worker = 0; worker < fleet.workers; worker++) {
      const child = fork(entry.path, [], { execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      let markReady: () => void = () => {};
      let fail: (error: Error) => void = () => {};
      let finish: () => void = () => {};
      ready.push(new Promise<void>((resolve, reject) => ((markReady = resolve), (fail = reject))));
      done.push(
        new Promise<void>((resolve, reject) => {
          finish = resolve;
          const previous = fail;
          fail = (error) => {
            previous(error);
            reject(error);
          };
        }),
      );
      child.on('message', (message: FromWorker) => {
        if (message.type === 'ready') markReady();
        else if (message.type === 'progress') latest[worker] = message.progress;
        else if (message.type === 'done') {
          records[worker] = message.record;
          finish();
        } else if (message.type === 'failed') fail(new Error(`simulate --redis: worker ${worker + 1} failed: ${message.message}`));
      });
      child.on('exit', (code) => {
        if (records[worker] === undefined) fail(new Error(`simulate --redis: worker ${worker + 1} exited (code ${code}) before reporting`));
      });
      const init: WorkerInit = { type: 'init', settings: plain, worker, workers: fleet.workers, mockUrl: mock.url, redisUrl: fleet.redisUrl, prefix };
      child.send(init satisfies ToWorker);
    }
    // Unhandled rejections of the done promises are handled by the awaits below; avoid warnings.
    for (const d of done) d.catch(() => undefined);
    await withTimeout(Promise.all(ready), READY_TIMEOUT_MS, 'the workers did not get ready');
    const onAbort = () => children.forEach((child) => child.connected && child.send({ type: 'abort' } satisfies ToWorker));
    settings.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await observeRun({
        ...stage,
        hooks,
        workers: fleet.workers,
        live: () => mergeProgress(latest.filter(Boolean)),
        drive: async () => {
          for (const child of children) child.send({ type: 'start' } satisfies ToWorker);
          await withTimeout(Promise.all(done), spanMs + ALERT_DEADLINE_MS + 60_000, 'the workers did not finish');
          return mergeRecords(records as DriveRecord[]);
        },
      });
    } finally {
      settings.signal?.removeEventListener('abort', onAbort);
    }
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await mock.close();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`simulate --redis: ${what} within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
