/**
 * Shared setup of the Redis store tests: whether Redis answers on 127.0.0.1:6379 (tests skip loudly
 * when it does not; CI always has it), clients, unique key prefixes and cleanup.
 */
import { afterEach } from 'vitest';
import { Redis } from 'ioredis';
import { resolveLimiterOptions, type RateLimiterOptions } from '../../src/limiter/limiter-options.js';
import type { LimiterSpec } from '../../src/limiter/limiter-store.js';
import { RedisLimiterBackend, type RedisLimiterBackendOptions } from '../../src/redis/index.js';

const HOST = process.env.REDIS_HOST ?? '127.0.0.1';
const PORT = Number(process.env.REDIS_PORT ?? 6379);

/** A client that fails fast instead of reconnecting forever. */
export function newClient(): Redis {
  return new Redis({ host: HOST, port: PORT, lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 1, retryStrategy: () => null });
}

async function ping(): Promise<boolean> {
  const client = newClient();
  client.on('error', () => undefined);
  try {
    await client.connect();
    const pong = await Promise.race([client.ping(), new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 1000))]);
    return pong === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** True when Redis answered PING at collection time. */
export const redisUp = await ping();
if (!redisUp) {
  // On CI, .ci/run starts Redis: a Redis that does not answer there is a failure, never a silent pass.
  if (process.env.CI) throw new Error(`Redis not reachable on ${HOST}:${PORT} on CI: the Redis store tests must run`);
  console.warn(`Redis not reachable on ${HOST}:${PORT}: skipping the Redis store tests (CI always runs them)`);
}

let counter = 0;
/** A key prefix no other test (or run) uses. */
export function uniquePrefix(): string {
  counter++;
  return `llmr-test-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  const keys = await client.keys(`${prefix}:*`);
  if (keys.length > 0) await client.del(...keys);
}

/** The spec RateLimiter would pass for these options. */
export function specOf(options: RateLimiterOptions): LimiterSpec {
  return resolveLimiterOptions(options).spec;
}

/** Costs indexed like RATE_DIMENSIONS. */
export function costs(values: { requests?: number; tokens?: number; input?: number; output?: number; perDay?: number; tokensPerDay?: number } = {}): number[] {
  return [values.requests ?? 1, values.tokens ?? 0, values.input ?? 0, values.output ?? 0, values.perDay ?? 1, values.tokensPerDay ?? 0];
}

/** A backend on a fresh prefix; `cleanup()` deletes its keys and closes the client. */
export function openBackend(options: RateLimiterOptions, backendOptions: RedisLimiterBackendOptions = {}, key = 'svc') {
  const client = newClient();
  const prefix = uniquePrefix();
  const backend = new RedisLimiterBackend(client, prefix, key, specOf(options), { timeoutMs: 2000, ...backendOptions });
  const peers: Redis[] = [];
  return {
    client,
    prefix,
    backend,
    /** Another process's backend (its own client and options) on the same limiter. */
    peer(peerOptions: RateLimiterOptions = options, peerBackendOptions: RedisLimiterBackendOptions = {}): RedisLimiterBackend {
      const peerClient = newClient();
      peers.push(peerClient);
      return new RedisLimiterBackend(peerClient, prefix, key, specOf(peerOptions), { timeoutMs: 2000, ...peerBackendOptions });
    },
    async cleanup(): Promise<void> {
      await deleteKeys(client, prefix);
      client.disconnect();
      for (const peerClient of peers) peerClient.disconnect();
    },
  };
}

/**
 * `open(...)` for a test file: opens a backend like {@link openBackend} and cleans every one
 * opened up after each test (call at the top level of the file).
 */
export function backendsCleanedAfterEach(): (...args: Parameters<typeof openBackend>) => ReturnType<typeof openBackend> {
  const opened: ReturnType<typeof openBackend>[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((o) => o.cleanup()));
  });
  return (...args) => {
    const o = openBackend(...args);
    opened.push(o);
    return o;
  };
}
