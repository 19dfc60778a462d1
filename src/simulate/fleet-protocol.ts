/** Messages between `simulate --redis` and its worker processes (Node IPC, JSON). */
import type { DriveProgress, DriveRecord } from './alert-driver.js';
import type { SimulationSettings } from './settings.js';

export interface WorkerInit {
  readonly type: 'init';
  readonly settings: Omit<SimulationSettings, 'clock' | 'signal'>;
  readonly worker: number;
  readonly workers: number;
  readonly mockUrl: string;
  readonly redisUrl: string;
  /** Key prefix of this run in Redis (its own, so runs never share state). */
  readonly prefix: string;
}

export type ToWorker = WorkerInit | { readonly type: 'start' } | { readonly type: 'abort' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly progress: DriveProgress }
  | { readonly type: 'done'; readonly record: DriveRecord }
  | { readonly type: 'failed'; readonly message: string };
