/** A shared store's health, as a limiter reports it in its stats (see failover-admission.ts). */
import type { StoreFailMode } from './shared-store.js';

/** Where admission goes now. */
export type StoreMode = 'shared' | StoreFailMode;

/** The shared store's state, for stats and health. */
export interface SharedStoreStatus {
  /** 'shared' when the store answers; otherwise the fail mode in force. */
  mode: StoreMode;
  healthy: boolean;
  /** Processes seen live on this limiter (the local share is 1 / this unless configured). */
  liveProcesses: number;
  /** Another process uses different limits. */
  configMismatch: boolean;
  /** The last store failure's message (never a secret: it is the store's). */
  lastError: string | undefined;
  /** Ms since the store stopped answering (0 when healthy). */
  downForMs: number;
}
