/** Spawning fleet worker processes (test/fixtures/fleet-worker.ts) and checking what they admitted. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('../fixtures/fleet-worker.ts', import.meta.url));

export interface WorkerResult {
  failed: number;
  succeeded?: number;
  /** Calls admitted but cut by the run's end (mock mode): the provider may have counted them. */
  cutAtEnd?: number;
  /** Store calls that failed (the fleet tests need none). */
  storeErrors: number;
  /** The first unexpected errors' messages. */
  errors: string[];
  /** [Redis time ms, tokens] of every admission the worker was granted. */
  admissions: [number, number][];
}

/** Starts a worker with `config` (see WorkerConfig in the fixture); bounded by `timeoutMs`. */
export function startWorker(config: Record<string, unknown>, timeoutMs: number): { child: ChildProcess; output: Promise<string>; line: (text: string) => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, FLEET: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of waiters.splice(0)) if (stdout.includes(w.text)) w.resolve(); else waiters.push(w);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const output = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`worker exited with ${code ?? signal}: ${stderr.slice(-2000)}`));
    });
  });
  // Rejections are read by the caller; this keeps an unread one from being reported as unhandled.
  output.catch(() => undefined);
  const line = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (stdout.includes(text)) return resolve();
      waiters.push({ text, resolve });
      output.then(() => reject(new Error(`worker ended without printing ${text}`)), reject);
    });
  return { child, output, line };
}

/** Runs workers to completion and parses their last JSON line. */
export async function runWorkers(configs: Record<string, unknown>[], timeoutMs: number): Promise<WorkerResult[]> {
  const outputs = await Promise.all(configs.map((config) => startWorker(config, timeoutMs).output));
  return outputs.map((out) => JSON.parse(out.trim().split('\n').pop()!) as WorkerResult);
}

export interface BucketCheck {
  /** Most units admitted beyond the bucket bound at any moment (0 when never over). */
  worstExcess: number;
  /** Units admitted, and what the limit allows from the first admission to the last: burst + rate × span. */
  used: number;
  allowed: number;
}

/**
 * Replays admissions in Redis time order through an exact token bucket of `burst` units refilled
 * at `perMinute`: any admission beyond it is over-admission (in some window, more than
 * burst + rate × window was admitted).
 */
export function checkBucket(admissions: readonly (readonly [number, number])[], perMinute: number, burst: number): BucketCheck {
  const sorted = [...admissions].sort((a, b) => a[0] - b[0]);
  const interval = 60_000 / perMinute;
  const tolerance = burst * interval;
  let tat = -Infinity;
  let worstExcess = 0;
  let used = 0;
  for (const [t, cost] of sorted) {
    tat = Math.max(tat, t) + cost * interval;
    used += cost;
    worstExcess = Math.max(worstExcess, (tat - t - tolerance) / interval);
  }
  const span = sorted.length > 0 ? sorted[sorted.length - 1]![0] - sorted[0]![0] : 0;
  return { worstExcess, used, allowed: burst + span / interval };
}
