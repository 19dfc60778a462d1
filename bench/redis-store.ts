/**
 * The Redis store against its floor and its peers, in one run:
 * A. admissions per second through Redis, one at a time and 100 in flight: a bare EVALSHA round
 *    trip (the floor), ours (with and without a concurrency lease), rate-limiter-flexible's
 *    RateLimiterRedis and bottleneck's Redis datastore, interleaved round by round;
 * B. one limit shared by 4 processes pushing as hard as they can: the worst over-admission in any
 *    window, against each limiter's own promise and the common nominal limit.
 * Also writes every figure to artifacts/bench-redis.json. `--rounds N` sets part A's measured rounds
 * (default 30) and `--round-ms` their length (default 100); part B always runs 12 s per limiter.
 * About 90 s by default, 60 s with `--rounds 5`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './benchmark.js';
import { compare, type Mode, type RoundPlan, type Sample } from './harness.js';
import { newClient, REDIS_HOST, REDIS_PORT, redisAnswers } from './redis/connection.js';
import { DEFAULT_FLEET_PLAN, FLEET_LIMITERS, type FleetPlan } from './redis/fleet-config.js';
import { ourRoundTrips } from './redis/round-trips.js';
import { runFleet } from './redis/fleet-run.js';
import { judge, type FleetVerdict } from './redis/fleet-verdict.js';
import { markdown } from './redis/report.js';
import { throughputRows, verdicts } from './redis/throughput-rows.js';
import { CONFIGURATIONS, openThroughputSubjects } from './redis/throughput-subjects.js';

const IN_FLIGHT = 100;
const ARTIFACT = new URL('../artifacts/bench-redis.json', import.meta.url);

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
}

async function redisVersion(): Promise<string> {
  const client = newClient();
  try {
    return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
  } finally {
    await client.quit();
  }
}

async function measureThroughput(options: BenchmarkOptions, rounds: number) {
  const base = { rounds, warmupRounds: 2, roundMs: options.roundMs ?? 100, slowSubjectBudgetMs: 10_000 };
  const plans: Record<'sequential' | 'inFlight', RoundPlan> = {
    sequential: { ...base, minOps: 10, maxOps: 200_000 },
    inFlight: { ...base, minOps: IN_FLIGHT, maxOps: 2_000 * IN_FLIGHT },
  };
  const modes: Array<['sequential' | 'inFlight', Mode]> = [
    ['sequential', { kind: 'sequential' }],
    ['inFlight', { kind: 'inFlight', batch: IN_FLIGHT }],
  ];
  const setup = await openThroughputSubjects();
  const results: Record<'sequential' | 'inFlight', Sample[]> = { sequential: [], inFlight: [] };
  let keysDeleted: number;
  try {
    for (const [key, mode] of modes) {
      options.log(`redis: A ${key}, ${setup.subjects.length} subjects × ${base.warmupRounds + rounds} rounds of ~${base.roundMs} ms`);
      results[key] = await compare(setup.subjects, mode, plans[key], (line) => options.log(`  ${key} ${line}`));
    }
    setup.checkOurs();
  } finally {
    keysDeleted = await setup.close();
  }
  const rows = throughputRows(results.sequential, results.inFlight);
  const roundTrips = await ourRoundTrips(IN_FLIGHT);
  return { plans, rows, verdicts: verdicts(rows), skipped: setup.skipped, keysDeleted, roundTrips };
}

async function measureFleet(options: BenchmarkOptions, plan: FleetPlan) {
  const fleet: FleetVerdict[] = [];
  const skipped: Array<{ name: string; reason: string }> = [];
  for (const limiter of FLEET_LIMITERS) {
    options.log(`redis: B ${limiter}, ${plan.workers} processes sharing one limit`);
    try {
      fleet.push(judge(await runFleet(limiter, plan, options.log), plan));
    } catch (error) {
      skipped.push({ name: limiter, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { fleet, skipped };
}

export const redisBenchmark: Benchmark = {
  name: 'redis',
  description: `the Redis store: admissions/s against a bare EVALSHA and its peers (1 and ${IN_FLIGHT} in flight), and over-admission with ${DEFAULT_FLEET_PLAN.workers} processes on one limit`,
  async run(options: BenchmarkOptions): Promise<BenchmarkReport> {
    if (!(await redisAnswers())) {
      throw new Error(
        `Redis does not answer on ${REDIS_HOST}:${REDIS_PORT}; start one with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port ${REDIS_PORT} --save "" --appendonly no`,
      );
    }
    const rounds = options.rounds ?? 30;
    const versions = {
      redis: await redisVersion(),
      ioredis: versionOf('ioredis'),
      'rate-limiter-flexible': versionOf('rate-limiter-flexible'),
      bottleneck: versionOf('bottleneck'),
    };
    const throughput = await measureThroughput(options, rounds);
    const plan = DEFAULT_FLEET_PLAN;
    const { fleet, skipped: fleetSkipped } = await measureFleet(options, plan);

    const data = { versions, inFlight: IN_FLIGHT, throughput, configurations: CONFIGURATIONS, fleetPlan: plan, fleet, fleetSkipped };
    mkdirSync(new URL('.', ARTIFACT), { recursive: true });
    writeFileSync(ARTIFACT, `${JSON.stringify(data, null, 2)}\n`);
    options.log(`redis: figures written to ${fileURLToPath(ARTIFACT)}`);
    return {
      title: 'Redis store: admissions per second and over-admission across processes',
      markdown: markdown({
        versions,
        inFlight: IN_FLIGHT,
        rounds,
        rows: throughput.rows,
        verdicts: throughput.verdicts,
        skipped: throughput.skipped,
        roundTrips: throughput.roundTrips,
        configurations: CONFIGURATIONS,
        plan,
        fleet,
        fleetSkipped,
      }),
      data,
    };
  },
};
