/**
 * Closed-loop load: N callers, each sending its next call as soon as the last one ends, until a
 * deadline; then calls in flight get a bounded drain before they are aborted and counted as
 * unfinished. Every loop is bounded in time: no caller starts a call after the deadline, and
 * nothing is awaited past the drain.
 */
import { setMaxListeners } from 'node:events';

export interface LoadOptions {
  callers: number;
  /** No call starts after this long. */
  durationMs: number;
  /** How long calls in flight at the deadline may still finish. Default: until they all end. */
  drainMs?: number;
  /** Called with the caller's index and a signal aborted when the drain ends. */
  call(signal: AbortSignal, caller: number): Promise<unknown>;
}

export interface LoadResult {
  /** Latencies of the completed calls, ascending (ms). */
  latencies: number[];
  failed: number;
  /** Calls still in flight when the drain ended (aborted then). */
  unfinished: number;
  /** From the start until the last call ended (or the drain ended), ms. */
  elapsedMs: number;
  /** Failures by error name, and the first few messages. */
  failures: Record<string, number>;
  firstErrors: string[];
}

const MAX_ERROR_SAMPLES = 5;

/** An abort signal every call of a run listens to (so more listeners than Node's warning threshold). */
function runSignal(): AbortController {
  const controller = new AbortController();
  setMaxListeners(Infinity, controller.signal);
  return controller;
}

/** The most telling name of an error: its class (SDK errors keep `name` as 'Error'). */
function errorName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const className = error.constructor?.name;
  return className && className !== 'Error' ? className : error.name;
}

/** Records one failed call in `result`. */
export function recordFailure(result: Pick<LoadResult, 'failures' | 'firstErrors'>, error: unknown): void {
  const name = errorName(error);
  result.failures[name] = (result.failures[name] ?? 0) + 1;
  if (result.firstErrors.length < MAX_ERROR_SAMPLES) result.firstErrors.push(describeChain(error).slice(0, 600));
}

/** `Name: message`, then each cause's (an SDK's connection error wraps what our fetch threw). */
function describeChain(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(`${errorName(e)}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parts.join(' <- ');
}

/** A run's result so far, and the signal its calls share. */
interface Run {
  readonly controller: AbortController;
  readonly result: LoadResult;
}

function newRun(): Run {
  return { controller: runSignal(), result: { latencies: [], failed: 0, unfinished: 0, elapsedMs: 0, failures: {}, firstErrors: [] } };
}

/** Makes one call and records how it ended; false when the run was aborted meanwhile (the call no longer counts). */
async function measuredCall(run: Run, startedAt: number, call: (signal: AbortSignal) => Promise<unknown>): Promise<boolean> {
  const { controller, result } = run;
  try {
    await call(controller.signal);
    if (controller.signal.aborted) return false;
    result.latencies.push(performance.now() - startedAt);
  } catch (error) {
    if (controller.signal.aborted) return false;
    result.failed++;
    recordFailure(result, error);
  }
  return true;
}

/**
 * Waits for `calls` until they have all ended or `drainMs` after `deadlineAt`; those still
 * running then are unfinished, and the run is aborted.
 */
async function settle(run: Run, calls: readonly Promise<unknown>[], started: number, deadlineAt: number, drainMs: number): Promise<LoadResult> {
  const pending = new Set<Promise<unknown>>(calls);
  for (const call of calls) void call.finally(() => pending.delete(call));
  let timer: ReturnType<typeof setTimeout> | undefined;
  // An infinite drain waits for every call (setTimeout would fire at once on Infinity).
  const drainEnd = Number.isFinite(drainMs) ? new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadlineAt + drainMs - performance.now())))) : new Promise<void>(() => undefined);
  await Promise.race([Promise.all(calls), drainEnd]);
  clearTimeout(timer);
  const { result } = run;
  result.unfinished = pending.size;
  result.elapsedMs = performance.now() - started;
  if (pending.size > 0) run.controller.abort();
  result.latencies.sort((a, b) => a - b);
  return result;
}

/** Runs the callers and settles them. */
export async function runCallers(options: LoadOptions): Promise<LoadResult> {
  const run = newRun();
  const started = performance.now();
  const deadlineAt = started + options.durationMs;
  // A caller ends when its last call ends; the drain bounds how long that may take.
  const callers = Array.from({ length: options.callers }, async (_, caller) => {
    while (performance.now() < deadlineAt) {
      if (!(await measuredCall(run, performance.now(), (signal) => options.call(signal, caller)))) return;
    }
  });
  return settle(run, callers, started, deadlineAt, options.drainMs ?? Infinity);
}

/** Submits `count` calls at once (an open burst; latencies from the burst's start) and settles them like {@link runCallers}. */
export async function runBurst(count: number, durationMs: number, drainMs: number, call: (signal: AbortSignal, index: number) => Promise<unknown>): Promise<LoadResult> {
  const run = newRun();
  const started = performance.now();
  const calls = Array.from({ length: count }, (_, index) => measuredCall(run, started, (signal) => call(signal, index)));
  return settle(run, calls, started, started + durationMs, drainMs);
}
