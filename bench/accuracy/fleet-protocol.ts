/** Messages between the fleet cell (fleet.ts) and its worker processes (fleet-worker.ts), over the fork IPC channel. */
import type { LoadResult } from '../load/callers.js';
import type { ToldLimits, Workload } from './workload.js';

/** What a worker runs: passed as its one argument (JSON). */
export interface FleetWorkerConfig {
  subject: string;
  url: string;
  apiKey: string;
  told: ToldLimits | undefined;
  workload: Workload;
  callers: number;
  durationMs: number;
  drainMs: number;
  /** Redis key prefix shared by the fleet (unique to the run). */
  prefix: string;
}

export type ToFleetWorker = { type: 'start'; atEpochMs: number };
export type FromFleetWorker = { type: 'ready' } | { type: 'done'; load: LoadResult } | { type: 'failed'; message: string };

/** Wall-clock ms with sub-ms precision; every process on one host reads the same clock. */
export const epochNow = (): number => performance.timeOrigin + performance.now();
