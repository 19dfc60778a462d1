/**
 * Issue 11's two scale targets, each measured as a ratio within this one process:
 *
 * 1. A request waiting in a RateLimiter's queue costs at most 400 B of heap, and queueing one more
 *    is no slower than p-queue's `add`, whether 10 or 100 000 are already waiting.
 * 2. Traffic spread over 10 000 services costs at most twice as much per call as the same traffic
 *    through one service (the module API, `resilience.execute`, as in engine-overhead.ts).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import PQueue from 'p-queue';
import { createResilience } from '../src/index.js';
import { type AcquireOptions, RateLimiter } from '../src/limiter/rate-limiter.js';
import { compare, type Mode, type Sample, type Subject } from './harness.js';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './benchmark.js';

const HEAP_TARGET_BYTES = 400;
const ENQUEUE_TARGET_RATIO = 1;
const SERVICES_TARGET_RATIO = 2;
const IN_FLIGHT = 1_000;
const HUGE = 1_000_000_000;

export interface QueueScalePlan {
  /** Waiters queued to measure the heap per waiter (and the deeper queue of the enqueue timing). */
  waiters: number;
  /** Queue depths under which enqueueing is timed. */
  depths: number[];
  /** Waiters added, and timed, on top of each depth per round. */
  adds: number;
  /** Rounds per measurement (the median is reported). */
  rounds: number;
  services: number;
  /** Harness rounds for the services comparison, and their target duration. */
  serviceRounds: number;
  roundMs: number;
}

export const DEFAULT_PLAN: QueueScalePlan = { waiters: 100_000, depths: [10, 100_000], adds: 10_000, rounds: 15, services: 10_000, serviceRounds: 40, roundMs: 20 };

/** A queue whose head never moves: whatever is added waits. */
interface StuckQueue {
  add(): void;
  /** Settles what was added, outside any measurement. */
  dispose(): void;
}

interface QueueSubject {
  name: string;
  open(capacity: number): StuckQueue;
}

const ACQUIRE = { tokens: 1 };
const noop = async (): Promise<number> => 1;
const ignore = (): void => undefined;

/**
 * Ours as p-queue below: one request at a time, and its lease never released, so every acquire()
 * waits. `withSignal`: each request with its own AbortSignal (made beforehand, not counted).
 */
function stuckLimiter(capacity: number, withSignal: boolean): StuckQueue {
  const limiter = new RateLimiter({ name: 'queue', maxConcurrent: 1, maxWaitMs: 600_000, maxQueue: Infinity });
  limiter.tryAcquire();
  const options: AcquireOptions[] = withSignal ? Array.from({ length: capacity }, () => ({ tokens: 1, signal: new AbortController().signal })) : [];
  const kept = new Array<Promise<unknown>>(capacity);
  let count = 0;
  return {
    add: withSignal ? () => void (kept[count] = limiter.acquire(options[count++]!)) : () => void (kept[count++] = limiter.acquire(ACQUIRE)),
    dispose() {
      for (let i = 0; i < count; i++) kept[i]!.catch(ignore);
      limiter.close();
    },
  };
}

const ours: QueueSubject = { name: 'llm-resilience RateLimiter.acquire', open: (capacity) => stuckLimiter(capacity, false) };

/** p-queue with a running job that never finishes, so every add() waits. */
const pQueue: QueueSubject = {
  name: 'p-queue add',
  open(capacity) {
    const queue = new PQueue({ concurrency: 1 });
    let finish = ignore;
    void queue.add(() => new Promise<void>((resolve) => (finish = resolve)));
    const kept = new Array<Promise<unknown>>(capacity);
    let count = 0;
    return {
      add: () => void (kept[count++] = queue.add(noop)),
      dispose() {
        queue.clear();
        finish();
      },
    };
  },
};

/** The global gc(), exposed at run time when node was not started with --expose-gc. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Retained heap per waiter: queue `count` on a fresh queue, between two full collections. */
function heapPerWaiter(subject: QueueSubject, count: number): number {
  const gc = collector();
  const queue = subject.open(count);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) queue.add();
  gc();
  const after = process.memoryUsage().heapUsed;
  queue.dispose();
  return (after - before) / count;
}

/** ns per add() with `depth` already waiting, one round. */
function enqueueNs(subject: QueueSubject, depth: number, adds: number): number {
  const queue = subject.open(depth + adds);
  for (let i = 0; i < depth; i++) queue.add();
  const start = process.hrtime.bigint();
  for (let i = 0; i < adds; i++) queue.add();
  const elapsed = Number(process.hrtime.bigint() - start);
  queue.dispose();
  return elapsed / adds;
}

export interface QueueRow {
  depth: number;
  oursNs: number;
  pQueueNs: number;
  /** Ours over p-queue's, median of the per-round ratios. */
  ratio: number;
}

export interface ServiceRow {
  mode: 'sequential' | 'inFlight';
  oneNs: number;
  manyNs: number;
  ratio: number;
}

export interface QueueScaleData {
  plan: QueueScalePlan;
  heap: { oursBytes: number; pQueueBytes: number; oursWithSignalBytes: number };
  enqueue: QueueRow[];
  services: ServiceRow[];
}

async function measureServices(plan: QueueScalePlan, log: (line: string) => void): Promise<ServiceRow[]> {
  const options = { rateLimit: { requestsPerMinute: 1e12, tokensPerMinute: 1e15, maxConcurrent: HUGE }, circuitBreaker: {}, retry: {} };
  const names = Array.from({ length: plan.services }, (_, i) => `svc-${i}`);
  const resilience = createResilience({ services: Object.fromEntries(names.map((name) => [name, options])) });
  // Visited in a shuffled order (fixed seed), as traffic would: no help from allocation order.
  let seed = 12345;
  for (let i = names.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  const through = (list: readonly string[]): Subject['call'] => {
    let i = 0;
    return () => {
      const name = list[i]!;
      i = i + 1 === list.length ? 0 : i + 1;
      return resilience.execute(name, noop, ACQUIRE);
    };
  };
  const subjects: Subject[] = [
    { name: 'one service', call: through([names[0]!]) },
    { name: `${plan.services} services`, call: through(names) },
  ];
  const base = { rounds: plan.serviceRounds, warmupRounds: 3, roundMs: plan.roundMs, slowSubjectBudgetMs: 5_000 };
  const rows: ServiceRow[] = [];
  const modes: Array<[ServiceRow['mode'], Mode, number, number]> = [
    ['sequential', { kind: 'sequential' }, 10, 2_000_000],
    ['inFlight', { kind: 'inFlight', batch: IN_FLIGHT }, IN_FLIGHT, 2_000 * IN_FLIGHT],
  ];
  for (const [mode, harnessMode, minOps, maxOps] of modes) {
    log(`queue-scale: services, ${mode}`);
    const [one, many] = (await compare(subjects, harnessMode, { ...base, minOps, maxOps })) as [Sample, Sample];
    rows.push({ mode, oneNs: one.median, manyNs: many.median, ratio: many.median / one.median });
  }
  const stats = resilience.getStats().rateLimiters;
  if (Object.values(stats).some((s) => s.waited !== 0 || s.rejected !== 0)) throw new Error('a service waited or refused: the comparison is not of admissions at once');
  resilience.close();
  return rows;
}

/** Every figure of the report (the smoke test runs it with a tiny plan). */
export async function measureQueueScale(plan: QueueScalePlan, log: (line: string) => void): Promise<QueueScaleData> {
  log(`queue-scale: heap of ${plan.waiters} waiters`);
  const heapRuns = { ours: [] as number[], pQueue: [] as number[], signal: [] as number[] };
  const withSignal: QueueSubject = { name: 'llm-resilience, with an AbortSignal', open: (capacity) => stuckLimiter(capacity, true) };
  for (let i = 0; i < 3; i++) {
    heapRuns.ours.push(heapPerWaiter(ours, plan.waiters));
    heapRuns.pQueue.push(heapPerWaiter(pQueue, plan.waiters));
    heapRuns.signal.push(heapPerWaiter(withSignal, plan.waiters));
  }
  const enqueue: QueueRow[] = [];
  for (const depth of plan.depths) {
    log(`queue-scale: enqueue on top of ${depth}, ${plan.rounds} rounds`);
    const oursNs: number[] = [];
    const pQueueNs: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < plan.rounds + 1; round++) {
      // Alternate who goes first; the first round only warms up.
      const a = round % 2 ? enqueueNs(pQueue, depth, plan.adds) : enqueueNs(ours, depth, plan.adds);
      const b = round % 2 ? enqueueNs(ours, depth, plan.adds) : enqueueNs(pQueue, depth, plan.adds);
      if (round === 0) continue;
      const [o, p] = round % 2 ? [b, a] : [a, b];
      oursNs.push(o);
      pQueueNs.push(p);
      ratios.push(o / p);
    }
    enqueue.push({ depth, oursNs: median(oursNs), pQueueNs: median(pQueueNs), ratio: median(ratios) });
  }
  const services = await measureServices(plan, log);
  return { plan, heap: { oursBytes: median(heapRuns.ours), pQueueBytes: median(heapRuns.pQueue), oursWithSignalBytes: median(heapRuns.signal) }, enqueue, services };
}

const met = (ok: boolean): string => (ok ? 'met' : 'not met');
const fmtNs = (ns: number): string => `${Math.round(ns)} ns`;

function markdown(data: QueueScaleData): string {
  const { heap, enqueue, services, plan } = data;
  const lines = [
    '| measure | llm-resilience | reference | ratio | target | |',
    '|---|--:|--:|--:|---|---|',
    `| heap per queued waiter (${plan.waiters.toLocaleString('en')} queued) | ${Math.round(heap.oursBytes)} B | p-queue ${Math.round(heap.pQueueBytes)} B | ${(heap.oursBytes / heap.pQueueBytes).toFixed(2)}× | ≤ ${HEAP_TARGET_BYTES} B | ${met(heap.oursBytes <= HEAP_TARGET_BYTES)} |`,
    ...enqueue.map(
      (r) => `| enqueue on top of ${r.depth.toLocaleString('en')} waiting | ${fmtNs(r.oursNs)} | p-queue ${fmtNs(r.pQueueNs)} | ${r.ratio.toFixed(2)}× | ≤ ${ENQUEUE_TARGET_RATIO.toFixed(2)}× p-queue | ${met(r.ratio <= ENQUEUE_TARGET_RATIO)} |`,
    ),
    ...services.map(
      (r) =>
        `| execute() per call, ${r.mode === 'sequential' ? 'sequential' : `${IN_FLIGHT} in flight`}, over ${plan.services.toLocaleString('en')} services | ${fmtNs(r.manyNs)} | one service ${fmtNs(r.oneNs)} | ${r.ratio.toFixed(2)}× | ≤ ${SERVICES_TARGET_RATIO.toFixed(2)}× one service | ${met(r.ratio <= SERVICES_TARGET_RATIO)} |`,
    ),
    '',
    `Heap: median of 3 fills, \`heapUsed\` after a full GC, over the waiters queued (the caller's promise included; with an AbortSignal: ${Math.round(heap.oursWithSignalBytes)} B, Node's listener record included).`,
    `Enqueue: ${plan.adds.toLocaleString('en')} adds timed per round on a fresh queue already holding the depth; median of ${plan.rounds} rounds, ratio = median of per-round ratios.`,
    `Services: \`resilience.execute(name, async () => 1, { tokens: 1 })\` over a shuffled cycle of names, median of ${plan.serviceRounds} interleaved harness rounds.`,
  ];
  return lines.join('\n');
}

export const queueScale: Benchmark = {
  name: 'queue-scale',
  description: 'heap and enqueue time of a queued request against p-queue, and per-call cost over 10 000 services against one',
  async run(options: BenchmarkOptions): Promise<BenchmarkReport> {
    const plan = { ...DEFAULT_PLAN, rounds: options.rounds ?? DEFAULT_PLAN.rounds, roundMs: options.roundMs ?? DEFAULT_PLAN.roundMs };
    const data = await measureQueueScale(plan, options.log);
    return { title: 'Queue and service scale (issue 11)', markdown: markdown(data), data };
  },
};
