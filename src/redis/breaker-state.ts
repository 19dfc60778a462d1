/**
 * One service's circuit breaker state shared through Redis: the Redis side of
 * {@link SharedBreakerState}. Each method is one atomic script call (one round trip) with a
 * deadline; a failure rejects with StoreError, never with a rate-limit or circuit error, and the
 * breaker keeps running on its local state until Redis answers again.
 *
 * ```ts
 * const redis = new Redis();
 * const breaker = new CircuitBreaker('openai', { shared: new RedisBreakerState(redis, { service: 'openai', prefix: 'myapp' }) });
 * ```
 */
import type { FleetView, ProbeGrant, SharedBreakerState } from '../breaker/shared-breaker-state.js';
import { ConfigError } from '../core/errors.js';
import { BREAKER_SCRIPT, type BreakerScriptOp } from './breaker-script.js';
import { type BreakerKeys, breakerKeys } from './breaker-keys.js';
import type { RedisScriptClient } from './client.js';
import { DEFAULT_PREFIX } from './keys.js';
import { replyArray, replyNumber } from './replies.js';
import { DEFAULT_STORE_TIMEOUT_MS, ScriptRunner } from './script-runner.js';

export interface RedisBreakerStateOptions {
  /** The service (the breaker's name): its keys carry it as their hash tag. */
  readonly service: string;
  /** Separates applications sharing one Redis. Default `llmr` (as the limiter store). */
  readonly prefix?: string;
  /**
   * This process in the fleet: unique per live process (reports count once per id toward the
   * quorum). Default: a random UUID per instance. A stable id (pod or host name) keeps a process
   * that crashes and restarts while open from counting twice.
   */
  readonly processId?: string;
  /** Deadline of each call. Default 250 ms. */
  readonly timeoutMs?: number;
}

/** Fields of the reply before the list of remaining times (see breaker-script.ts). */
const FIXED_FIELDS = 5;

export class RedisBreakerState implements SharedBreakerState {
  readonly service: string;
  readonly processId: string;
  readonly keys: BreakerKeys;
  private readonly runner: ScriptRunner;
  private tokens = 0;

  constructor(client: RedisScriptClient, options: RedisBreakerStateOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('redisBreakerState', options, 'an options object with a service');
    const { service, prefix = DEFAULT_PREFIX, processId = globalThis.crypto.randomUUID(), timeoutMs = DEFAULT_STORE_TIMEOUT_MS } = options;
    this.keys = breakerKeys(prefix, service);
    if (typeof processId !== 'string' || processId === '') throw new ConfigError('redisBreakerState.processId', processId, 'a non-empty string');
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new ConfigError('redisBreakerState.timeoutMs', timeoutMs, 'a finite number of milliseconds > 0');
    }
    this.service = service;
    this.processId = processId;
    this.runner = new ScriptRunner(client, BREAKER_SCRIPT, { timeoutMs });
  }

  async read(): Promise<FleetView> {
    return await this.view('read');
  }

  async reportOpen(openMs: number): Promise<FleetView> {
    return await this.view('open', milliseconds(openMs));
  }

  async reportClosed(rememberMs: number): Promise<FleetView> {
    return await this.view('closed', milliseconds(rememberMs));
  }

  async acquireProbe(maxInFlight: number, ttlMs: number): Promise<ProbeGrant> {
    const token = `${this.processId}:${++this.tokens}`;
    const reply = await this.call('acquire', String(Math.max(0, Math.floor(maxInFlight))), milliseconds(ttlMs), token);
    return { token: replyNumber('acquire', reply, 4) === 1 ? token : null, view: viewOf('acquire', reply) };
  }

  async releaseProbe(token: string): Promise<FleetView> {
    return await this.view('release', token);
  }

  private async view(op: BreakerScriptOp, ...args: string[]): Promise<FleetView> {
    return viewOf(op, await this.call(op, ...args));
  }

  private async call(op: BreakerScriptOp, ...args: string[]): Promise<readonly unknown[]> {
    return replyArray(op, await this.runner.run(op, this.keys.all, [op, this.processId, ...args]), FIXED_FIELDS);
  }
}

/**
 * One {@link RedisBreakerState} per service on one client, for a pipeline that builds its breakers
 * by service name: `circuitBreaker: { shared: states('openai') }`.
 */
export function redisBreakerStates(client: RedisScriptClient, options: Omit<RedisBreakerStateOptions, 'service'> = {}): (service: string) => RedisBreakerState {
  return (service) => new RedisBreakerState(client, { ...options, service });
}

function viewOf(op: BreakerScriptOp, reply: readonly unknown[]): FleetView {
  const openRemainingMs: number[] = [];
  for (let i = FIXED_FIELDS; i < reply.length; i++) openRemainingMs.push(replyNumber(op, reply, i));
  return {
    storeTimeMs: replyNumber(op, reply, 0),
    openReports: replyNumber(op, reply, 1),
    closedAtMs: replyNumber(op, reply, 2),
    probesInFlight: replyNumber(op, reply, 3),
    openRemainingMs,
  };
}

/** A duration argument: a finite number of ms >= 0 (a bad one fails the call, as a store error would). */
function milliseconds(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new RangeError(`expected a finite number of milliseconds >= 0, got ${String(ms)}`);
  return String(ms);
}
