/**
 * The seeds' health check: healthy, degraded (something is open, half-open, paused or backed up)
 * or unavailable (no service can take a call), with the issues in words and the services that can.
 */
import type { RateLimiter } from '../limiter/rate-limiter.js';
import type { Pipeline } from './pipeline.js';

export type HealthState = 'healthy' | 'degraded' | 'unavailable';

export interface ServiceHealth {
  available: boolean;
  circuitState: 'closed' | 'open' | 'half_open' | 'isolated' | 'none';
  /** Requests waiting in the limiter (in every model's, for a service limited per model). */
  queued: number;
  issues: string[];
}

export interface HealthStatus {
  status: HealthState;
  issues: string[];
  /** Services that can take a call now, in the order they were configured. */
  servicesAvailable: string[];
  services: Record<string, ServiceHealth>;
}

/** Share of the limiter's queue above which a service counts as backed up. */
const QUEUE_WARNING_RATIO = 0.8;

export function serviceHealth(pipeline: Pipeline): ServiceHealth {
  const issues: string[] = [];
  const name = pipeline.service;
  const state = pipeline.breaker?.state ?? 'none';
  let available = true;
  if (state === 'open') {
    available = false;
    issues.push(`Circuit '${name}' is OPEN (next probe in ${Math.ceil(pipeline.breaker!.retryAfterMs() / 1000)} s)`);
  } else if (state === 'isolated') {
    available = false;
    issues.push(`Circuit '${name}' is ISOLATED (reset it to resume)`);
  } else if (state === 'half_open') {
    issues.push(`Circuit '${name}' is HALF_OPEN (testing recovery)`);
  }
  const shared = state === 'none' ? undefined : pipeline.breaker!.stats().shared;
  if (shared && !shared.healthy) issues.push(`Circuit '${name}': shared breaker state unavailable (${shared.lastError ?? 'no answer'}); the breaker runs locally`);
  let queued = 0;
  for (const limiter of pipeline.limiters.all()) queued += limiterHealth(limiter, issues);
  return { available, circuitState: state, queued, issues };
}

/** Adds what is wrong with `limiter` (a service's own, or one model's, named `<service>/<model>`) to `issues`; returns its queue. */
function limiterHealth(rateLimiter: RateLimiter, issues: string[]): number {
  const limiter = rateLimiter.stats();
  const name = limiter.name;
  const store = limiter.store;
  if (store && !store.healthy) {
    const fallback = store.mode === 'local' ? 'a local limiter holds this process\'s share' : store.mode === 'open' ? 'admitting without shared limits' : 'refusing requests';
    issues.push(`Rate limiter '${name}' shared store unavailable for ${Math.ceil(store.downForMs / 1000)} s (${store.lastError ?? 'no answer'}): ${fallback}`);
  }
  if (store?.configMismatch) issues.push(`Rate limiter '${name}': another process uses different limits in the shared store`);
  if (limiter.pausedForMs > 0) issues.push(`Rate limiter '${name}' paused by the provider for ${Math.ceil(limiter.pausedForMs / 1000)} s (retry-after)`);
  const maxQueue = rateLimiter.maxQueue;
  if (Number.isFinite(maxQueue) && maxQueue > 0 && limiter.queued >= maxQueue * QUEUE_WARNING_RATIO) {
    issues.push(`Rate limiter '${name}' queue at ${Math.round((limiter.queued / maxQueue) * 100)}% (${limiter.queued}/${maxQueue})`);
  }
  return limiter.queued;
}

export function healthOf(pipelines: Iterable<Pipeline>): HealthStatus {
  const services: Record<string, ServiceHealth> = {};
  const issues: string[] = [];
  const servicesAvailable: string[] = [];
  let count = 0;
  for (const pipeline of pipelines) {
    count++;
    const health = serviceHealth(pipeline);
    services[pipeline.service] = health;
    issues.push(...health.issues);
    if (health.available) servicesAvailable.push(pipeline.service);
  }
  const status: HealthState = count > 0 && servicesAvailable.length === 0 ? 'unavailable' : issues.length > 0 ? 'degraded' : 'healthy';
  return { status, issues, servicesAvailable, services };
}
