/**
 * Round trips per admission of our limiter, counted (untimed) through a client wrapper that
 * counts EVALSHA/EVAL calls: explains the throughput figures (several waiting requests share one
 * admission round trip; a lease adds a release round trip).
 */
import type { Redis } from 'ioredis';
import type { RedisScriptClient } from '../../src/redis/index.js';
import { deleteMatching, newClient, uniqueName } from './connection.js';
import { ourLimiter } from './ours.js';

const ADMISSIONS = 1_000;

function counting(client: Redis): { client: RedisScriptClient; calls: () => number } {
  let calls = 0;
  return {
    client: {
      evalsha: (sha, numKeys, ...rest) => {
        calls++;
        return client.evalsha(sha, numKeys, ...rest);
      },
      eval: (source, numKeys, ...rest) => {
        calls++;
        return client.eval(source, numKeys, ...rest);
      },
      script: (subcommand, source) => client.script(subcommand, source),
    },
    calls: () => calls,
  };
}

/** Script calls per admission (acquire + release with unchanged usage), sequential and `inFlight` at a time, without and with maxConcurrent. */
export async function ourRoundTrips(inFlight: number): Promise<Record<'sequential' | 'inFlight' | 'leasesSequential' | 'leasesInFlight', number>> {
  const redis = newClient();
  const prefix = uniqueName('llmr-bench-rt');
  const usage = { tokens: 100 };
  const measure = async (maxConcurrent: number | undefined, batch: number): Promise<number> => {
    const { client, calls } = counting(redis);
    // SCRIPT LOAD is not counted; the one `hello` per limiter is (0.001 per admission).
    const counted = ourLimiter(client, prefix, { name: `rt-${batch}-${maxConcurrent ?? 0}`, requestsPerMinute: 1e9, tokensPerMinute: 1e12, maxConcurrent });
    const one = async (): Promise<void> => (await counted.acquire(usage)).release(usage);
    for (let done = 0; done < ADMISSIONS; done += batch) await Promise.all(Array.from({ length: batch }, one));
    await redis.ping(); // every release sent before it has been answered
    counted.close();
    return calls() / ADMISSIONS;
  };
  try {
    return {
      sequential: await measure(undefined, 1),
      inFlight: await measure(undefined, inFlight),
      leasesSequential: await measure(1000, 1),
      leasesInFlight: await measure(1000, inFlight),
    };
  } finally {
    await deleteMatching(redis, `${prefix}:*`);
    await redis.quit();
  }
}
