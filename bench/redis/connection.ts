/**
 * Redis connections for the Redis benchmarks: one place for the address (loopback only), clients
 * that fail fast instead of reconnecting forever, unique key namespaces, and cleanup.
 */
import { Redis } from 'ioredis';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);

/** A client that gives up at once when Redis is gone (a benchmark must not hang on reconnects). */
export function newClient(): Redis {
  const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, connectTimeout: 1000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined); // failures surface as rejected commands
  return client;
}

/** A namespace no other run (or subject) uses: `${label}-${pid}-${time}-${random}`. */
export function uniqueName(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Deletes every key matching `pattern` (SCAN, bounded); resolves to how many were deleted. */
export async function deleteMatching(client: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  // 10 000 pages of 500 keys is far beyond what a run writes: the bound only guards against a bug.
  for (let page = 0; page < 10_000; page++) {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) deleted += await client.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  return deleted;
}

/** True when Redis answers PING within a second. */
export async function redisAnswers(): Promise<boolean> {
  const client = newClient();
  try {
    const pong = await Promise.race([client.ping(), new Promise<string>((resolve) => setTimeout(resolve, 1000, 'timeout').unref())]);
    return pong === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
