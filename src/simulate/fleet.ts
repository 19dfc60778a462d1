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
import type { Clock, TimerHandle } from '../core/clock.js';
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
  const workers: WorkerLink[] = [];
  try {
    const prefix = `llmr-sim-${randomBytes(6).toString('hex')}`;
    const { clock: _clock, signal: _signal, ...plain } = settings;
    for (let worker = 0; worker < fleet.workers; worker++) {
      workers.push(startWorker(entry, { type: 'init', settings: plain, worker, workers: fleet.workers, mockUrl: mock.url, redisUrl: fleet.redisUrl, prefix }));
    }
    const clock = stage.realClock;
    await withTimeout(clock, Promise.all(workers.map((w) => w.ready)), READY_TIMEOUT_MS, 'the workers did not get ready');
    const onAbort = () => workers.forEach(({ child }) => child.connected && child.send({ type: 'abort' } satisfies ToWorker));
    settings.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await observeRun({
        ...stage,
        hooks,
        workers: fleet.workers,
        live: () => mergeProgress(workers.flatMap((w) => (w.latest ? [w.latest] : []))),
        drive: async () => {
          for (const { child } of workers) child.send({ type: 'start' } satisfies ToWorker);
          return mergeRecords(await withTimeout(clock, Promise.all(workers.map((w) => w.done)), spanMs + ALERT_DEADLINE_MS + 60_000, 'the workers did not finish'));
        },
      });
    } finally {
      settings.signal?.removeEventListener('abort', onAbort);
    }
  } finally {
    for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await mock.close();
  }
}

/** A worker process: ready once it has connected and warmed up, done with its record. */
interface WorkerLink {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly done: Promise<DriveRecord>;
  /** Its last progress report. */
  latest: DriveProgress | undefined;
}

function startWorker(entry: { path: string; execArgv: string[] }, init: WorkerInit): WorkerLink {
  const child = fork(entry.path, [], { execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = deferred<void>();
  const done = deferred<DriveRecord>();
  // Rejections are awaited later (ready first, then done); no unhandled-rejection warning meanwhile.
  done.promise.catch(() => undefined);
  const link: WorkerLink = { child, ready: ready.promise, done: done.promise, latest: undefined };
  const fail = (error: Error) => {
    ready.reject(error);
    done.reject(error);
  };
  let reported = false;
  child.on('message', (message: FromWorker) => {
    if (message.type === 'ready') ready.resolve();
    else if (message.type === 'progress') link.latest = message.progress;
    else if (message.type === 'done') {
      reported = true;
      done.resolve(message.record);
    } else fail(new Error(`simulate --redis: worker ${init.worker + 1} failed: ${message.message}`));
  });
  child.on('exit', (code) => {
    if (!reported) fail(new Error(`simulate --redis: worker ${init.worker + 1} exited (code ${code}) before reporting`));
  });
  child.send(init satisfies ToWorker);
  return link;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function withTimeout<T>(clock: Clock, promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: TimerHandle | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = clock.setTimer(() => reject(new Error(`simulate --redis: ${what} within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]).finally(() => clock.clearTimer(timer));
}
