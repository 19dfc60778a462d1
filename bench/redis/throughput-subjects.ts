/**
 * Part A's subjects: one admission per call through Redis, with limits so high that nothing ever
 * waits. Each subject has its own connection, so one subject's replies in flight never queue
 * behind another's; they share the one Redis server, which runs every script one at a time.
 */
import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Subject } from '../harness.js';
import { deleteMatching, newClient, REDIS_HOST, REDIS_PORT, uniqueName } from './connection.js';
import { ourLimiter, storeTrouble } from './ours.js';

/** Tokens charged (and reported back unchanged) per admission, as an LLM call would. */
const TOKENS = 100;
const BOTTLENECK_READY_MS = 5_000;

export const SUBJECT = {
  floor: 'EVALSHA `return 1` (floor)',
  ours: 'llm-resilience',
  oursLeases: 'llm-resilience, maxConcurrent',
  flexible: 'rate-limiter-flexible',
  bottleneck: 'bottleneck',
} as const;

/** What each subject runs per admission, for the report. */
export const CONFIGURATIONS: Record<string, string> = {
  [SUBJECT.floor]: "`client.evalsha(sha, 0)` of the script `return 1` (ioredis): one round trip, nothing else",
  [SUBJECT.ours]: `\`const lease = await limiter.acquire({ tokens: ${TOKENS} }); lease.release({ tokens: ${TOKENS} })\` on \`new RateLimiter({ name: 'bench', requestsPerMinute: 1e9, tokensPerMinute: 1e12, store: redisStore(client, { prefix }) })\``,
  [SUBJECT.oursLeases]: 'the same with `maxConcurrent: 1000`: a lease in Redis, so admission and release are two round trips',
  [SUBJECT.flexible]: `\`limiter.consume('bench', ${TOKENS})\` on \`new RateLimiterRedis({ storeClient: client, keyPrefix, points: 1e12, duration: 60 })\``,
  [SUBJECT.bottleneck]:
    "`limiter.schedule(fn)` on `new Bottleneck({ id, datastore: 'ioredis', clientOptions: { host, port }, clearDatastore: true, maxConcurrent: null, minTime: 0 })` (no reservoir: it never waits, but it still runs 3 scripts in Redis per job: submit, register, free)",
};

export interface ThroughputSetup {
  subjects: Subject[];
  /** Subjects that could not run, with why. */
  skipped: Array<{ name: string; reason: string }>;
  /** Closes every limiter and client and deletes every key written; resolves to the count deleted. */
  close(): Promise<number>;
  /** Throws when one of our limiters left Redis during the run (its figures would be memory's). */
  checkOurs(): void;
}

const one = (): number => 1;

export async function openThroughputSubjects(): Promise<ThroughputSetup> {
  const clients: Redis[] = [];
  const client = (): Redis => {
    const c = newClient();
    clients.push(c);
    return c;
  };
  const prefix = uniqueName('llmr-bench');
  const flexiblePrefix = uniqueName('rlflx-bench');
  const bottleneckId = uniqueName('llmr-bench-bn');

  const floorClient = client();
  const floorScript = 'return 1';
  let floorSha = (await floorClient.script('LOAD', floorScript)) as string;
  // Another program may flush the script cache meanwhile (tests of NOSCRIPT recovery do): load it again.
  const floorAgain = async (error: unknown): Promise<number> => {
    if (!String(error).includes('NOSCRIPT')) throw error;
    floorSha = (await floorClient.script('LOAD', floorScript)) as string;
    return floorClient.evalsha(floorSha, 0).then(one);
  };

  const usage = { tokens: TOKENS };
  const ours = ourLimiter(client(), prefix, { name: 'bench', requestsPerMinute: 1e9, tokensPerMinute: 1e12 });
  const oursLeases = ourLimiter(client(), prefix, { name: 'bench-leases', requestsPerMinute: 1e9, tokensPerMinute: 1e12, maxConcurrent: 1000 });
  const flexible = new RateLimiterRedis({ storeClient: client(), keyPrefix: flexiblePrefix, points: 1e12, duration: 60 });

  const subjects: Subject[] = [
    { name: SUBJECT.floor, call: () => floorClient.evalsha(floorSha, 0).then(one, floorAgain) },
    {
      name: SUBJECT.ours,
      call: async () => {
        const lease = await ours.acquire(usage);
        lease.release(usage);
        return 1;
      },
    },
    {
      name: SUBJECT.oursLeases,
      call: async () => {
        const lease = await oursLeases.acquire(usage);
        lease.release(usage);
        return 1;
      },
    },
    { name: SUBJECT.flexible, call: () => flexible.consume('bench', TOKENS).then(one) },
  ];
  const skipped: ThroughputSetup['skipped'] = [];

  // No reservoir and minTime 0: bottleneck's Redis scripts run on every job, but it never waits.
  const bottleneck = new Bottleneck({
    id: bottleneckId,
    datastore: 'ioredis',
    clientOptions: { host: REDIS_HOST, port: REDIS_PORT, maxRetriesPerRequest: 1, retryStrategy: () => null },
    clearDatastore: true,
    maxConcurrent: null,
    minTime: 0,
  });
  bottleneck.on('error', () => undefined);
  const ready = await Promise.race([
    bottleneck.ready().then(() => 'ready'),
    new Promise<string>((resolve) => setTimeout(resolve, BOTTLENECK_READY_MS, 'not ready').unref()),
  ]).catch((error: unknown) => String(error));
  if (ready === 'ready') subjects.push({ name: SUBJECT.bottleneck, call: () => bottleneck.schedule(() => Promise.resolve(1)) });
  else skipped.push({ name: SUBJECT.bottleneck, reason: `Bottleneck with datastore 'ioredis' did not become ready: ${ready}` });

  const close = async (): Promise<number> => {
    ours.close();
    oursLeases.close();
    await bottleneck.disconnect(true).catch(() => undefined);
    // Commands on one connection are answered in order: a PING answered means every release sent before it is done.
    await Promise.all(clients.map((c) => c.ping().catch(() => undefined)));
    const admin = client();
    let deleted = 0;
    for (const pattern of [`${prefix}:*`, `${flexiblePrefix}:*`, `b_${bottleneckId}_*`]) deleted += await deleteMatching(admin, pattern);
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    return deleted;
  };

  // One call each before timing: a subject that cannot admit fails here, not in the middle of a round.
  try {
    for (const s of subjects) {
      if ((await s.call()) !== 1) throw new Error(`${s.name}: the first call did not resolve to 1`);
    }
  } catch (error) {
    await close();
    throw error;
  }

  return {
    subjects,
    skipped,
    close,
    checkOurs() {
      for (const [name, limiter] of [[SUBJECT.ours, ours], [SUBJECT.oursLeases, oursLeases]] as const) {
        const trouble = storeTrouble(limiter);
        if (trouble) throw new Error(`${name}: ${trouble}; its figures are not Redis's`);
      }
    },
  };
}
