/**
 * A small timing harness for async calls, built for a shared, noisy machine: every subject runs in
 * the same process, rounds are interleaved (A B C, B C A, ...) so a slow spell hits everyone, and
 * the result is the median of many short rounds. Every loop is bounded by an operation count fixed
 * before timing starts (calibrated from the subject's own speed, within limits).
 *
 * No forced GC between rounds: with `--expose-gc`, calling gc() before each round made the engine
 * 2-5× slower and far noisier (full collections discard compiled code of functions that ran
 * rounds ago), so every subject simply pays for its own garbage as it goes.
 */
import { performance } from 'node:perf_hooks';

/** One thing to time: a call whose promise resolves to 1 (summed, checked, so nothing is optimised away). */
export interface Subject {
  name: string;
  call: () => Promise<number>;
}

export type Mode = { kind: 'sequential' } | { kind: 'inFlight'; batch: number };

export interface RoundPlan {
  /** Measured rounds per subject. */
  rounds: number;
  /** Untimed interleaved rounds before the measured ones (after calibration). */
  warmupRounds: number;
  /** Wall time a round should take, used to choose each subject's operations per round. */
  roundMs: number;
  /** Bounds on operations per round (whatever the calibration says). */
  minOps: number;
  maxOps: number;
  /**
   * A subject so slow that even `minOps` takes longer than 4 × roundMs gets one warm-up round and
   * only as many measured rounds (at least 3) as fit in this many ms.
   */
  slowSubjectBudgetMs: number;
}

export interface Sample {
  name: string;
  /** Operations per round. */
  ops: number;
  /** Measured rounds (fewer than planned for a slow subject). */
  rounds: number;
  /** ns per operation, one per measured round, in round order. */
  nsPerOp: number[];
  median: number;
  p25: number;
  p75: number;
}

/** Runs `ops` calls of `subject` (one after another, or `batch` at a time) and returns elapsed ns. */
async function runRound(subject: Subject, mode: Mode, ops: number): Promise<number> {
  const call = subject.call;
  let sink = 0;
  const start = process.hrtime.bigint();
  if (mode.kind === 'sequential') {
    for (let i = 0; i < ops; i++) sink += await call();
  } else {
    const pending = new Array<Promise<number>>(mode.batch);
    for (let done = 0; done < ops; done += mode.batch) {
      for (let i = 0; i < mode.batch; i++) pending[i] = call();
      const results = await Promise.all(pending);
      for (let i = 0; i < results.length; i++) sink += results[i]!;
    }
  }
  const elapsed = Number(process.hrtime.bigint() - start);
  if (sink !== ops) throw new Error(`${subject.name}: expected ${ops} results of 1, summed to ${sink}`);
  return elapsed;
}

function roundOps(ops: number, mode: Mode): number {
  return mode.kind === 'sequential' ? Math.max(1, Math.round(ops)) : Math.max(1, Math.round(ops / mode.batch)) * mode.batch;
}

interface Schedule {
  ops: number;
  warmupRounds: number;
  rounds: number;
}

/** The operation count that fits `roundMs` at `msPerOp`, within the plan's bounds. */
function opsFor(plan: RoundPlan, mode: Mode, msPerOp: number): number {
  const wanted = msPerOp > 0 ? plan.roundMs / msPerOp : plan.maxOps;
  return roundOps(Math.min(plan.maxOps, Math.max(plan.minOps, wanted)), mode);
}

/**
 * Doubles the operation count until one round takes a quarter of `roundMs` (or `maxOps` is
 * reached), then sizes rounds from the fastest of three more: a single measurement can be many
 * times too slow, while the code is still cold or while a neighbour holds the CPU.
 */
async function calibrate(subject: Subject, mode: Mode, plan: RoundPlan): Promise<Schedule> {
  let ops = roundOps(plan.minOps, mode);
  let ms = (await runRound(subject, mode, ops)) / 1e6;
  while (ms < plan.roundMs / 4 && ops < plan.maxOps) {
    ops = roundOps(ops * 2, mode);
    ms = (await runRound(subject, mode, ops)) / 1e6;
  }
  if (ms > 4 * plan.roundMs) {
    // Even minOps takes more than 4 rounds' worth of time: fewer rounds, within the budget.
    return { ops, warmupRounds: 1, rounds: Math.min(plan.rounds, Math.max(3, Math.floor(plan.slowSubjectBudgetMs / ms))) };
  }
  let best = ms / ops;
  for (let i = 0; i < 3; i++) {
    ops = opsFor(plan, mode, best);
    best = Math.min(best, (await runRound(subject, mode, ops)) / 1e6 / ops);
  }
  return { ops: opsFor(plan, mode, best), warmupRounds: plan.warmupRounds, rounds: plan.rounds };
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * Times every subject under `mode`, interleaved round by round, and returns one Sample per subject
 * (in the order given). `onProgress` receives a short line after each round.
 */
export async function compare(subjects: readonly Subject[], mode: Mode, plan: RoundPlan, onProgress?: (line: string) => void): Promise<Sample[]> {
  const schedules: Schedule[] = [];
  for (const subject of subjects) schedules.push(await calibrate(subject, mode, plan));
  const times: number[][] = subjects.map(() => []);
  const totalRounds = Math.max(...schedules.map((s) => s.warmupRounds + s.rounds));
  const roundStart = performance.now();
  for (let round = 0; round < totalRounds; round++) {
    // Rotate the order each round so no subject always follows the same neighbour.
    for (let k = 0; k < subjects.length; k++) {
      const i = (k + round) % subjects.length;
      const { ops, warmupRounds, rounds } = schedules[i]!;
      if (round >= warmupRounds + rounds) continue;
      const ns = await runRound(subjects[i]!, mode, ops);
      if (round >= warmupRounds) times[i]!.push(ns / ops);
    }
    onProgress?.(`round ${round + 1}/${totalRounds} (${((performance.now() - roundStart) / 1000).toFixed(1)} s)`);
  }
  return subjects.map((subject, i) => {
    const sorted = [...times[i]!].sort((a, b) => a - b);
    return { name: subject.name, ops: schedules[i]!.ops, rounds: sorted.length, nsPerOp: times[i]!, median: quantile(sorted, 0.5), p25: quantile(sorted, 0.25), p75: quantile(sorted, 0.75) };
  });
}
