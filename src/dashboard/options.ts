/** The dashboard's options, their defaults, and the check that names a bad one. */
import { type Clock, systemClock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { integerAtLeast, noUnknownKeys } from '../core/validate.js';

/** Options of `dashboardHandler`; every one optional. */
export interface DashboardOptions {
  /** Where the page is served, relative to where the handler is mounted. Default `/dashboard` (also `/events` and `/snapshot` below it). */
  path?: string;
  /** How often the stream sends a snapshot, in ms. Default 1 000; at least 100. */
  intervalMs?: number;
  /** How often the stream sends a `: keep-alive` comment, in ms, so proxies keep it open. Default 15 000; at least 100. */
  keepAliveMs?: number;
  /** Recent errors and breaker transitions kept (each). Default 50; 1 to 200. */
  recentLimit?: number;
  /** The page's title. Default `llm-resilience`. */
  title?: string;
  /** Timers of the stream and the snapshot's time. Default: the system clock. */
  clock?: Clock;
}

export interface ResolvedDashboardOptions {
  readonly path: string;
  readonly intervalMs: number;
  readonly keepAliveMs: number;
  readonly recentLimit: number;
  readonly title: string;
  readonly clock: Clock;
}

const KNOWN = ['path', 'intervalMs', 'keepAliveMs', 'recentLimit', 'title', 'clock'];
const MIN_INTERVAL_MS = 100;
const MAX_RECENT = 200;

export function resolveDashboardOptions(options: DashboardOptions): ResolvedDashboardOptions {
  if (options === null || typeof options !== 'object') throw new ConfigError('options', options, 'an object of dashboard options');
  noUnknownKeys('', options, KNOWN);
  const path = options.path ?? '/dashboard';
  // A path the page's script can extend with `/events`: absolute, no query, no trailing slash.
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(path) || (path.length > 1 && path.endsWith('/')) || path.includes('//')) {
    throw new ConfigError('path', path, "a path starting with '/', without a query or a trailing '/' (e.g. '/dashboard')");
  }
  const recentLimit = integerAtLeast('recentLimit', options.recentLimit ?? 50, 1);
  if (recentLimit > MAX_RECENT) throw new ConfigError('recentLimit', recentLimit, `an integer from 1 to ${MAX_RECENT}`);
  const title = options.title ?? 'llm-resilience';
  if (typeof title !== 'string') throw new ConfigError('title', title, 'a string');
  const clock = options.clock ?? systemClock;
  if (clock === null || typeof clock !== 'object' || typeof clock.setTimer !== 'function' || typeof clock.clearTimer !== 'function' || typeof clock.wallTime !== 'function') {
    throw new ConfigError('clock', clock, 'a Clock (now, wallTime, setTimer, clearTimer)');
  }
  return {
    path,
    intervalMs: intervalAtLeast('intervalMs', options.intervalMs ?? 1_000),
    keepAliveMs: intervalAtLeast('keepAliveMs', options.keepAliveMs ?? 15_000),
    recentLimit,
    title,
    clock,
  };
}

function intervalAtLeast(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_INTERVAL_MS) throw new ConfigError(path, value, `a number >= ${MIN_INTERVAL_MS} (ms)`);
  return value;
}
