/**
 * Drives a run's alerts through a client: each alert dispatched at its simulated time (one timer
 * at a time), its outcome recorded exactly once, the providers sampled as the client sees them;
 * after the span, the last calls drain (each within its deadline; a bounded wait, then an abort).
 * Used in process and by each fleet worker; what it records is plain data (sent over IPC).
 */
import type { UnifiedLLMClient } from '../client/unified-client.js';
import { sleep } from '../core/abort.js';
import { classifyError } from '../core/classify.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { ProviderId } from '../providers/types.js';
import { type FailureMark, type ProviderSample, RunRecorder, type Sample, type Transition } from './recorder.js';
import { alertPrompt, type Alert } from './workload.js';

export interface DriveCounts {
  dispatched: number;
  succeeded: number;
  failed: number;
}

/** What one driver recorded. */
export interface DriveRecord {
  readonly counts: DriveCounts;
  readonly servedByFallback: number;
  readonly failedByCause: Record<string, number>;
  readonly latencies: { readonly atMs: number; readonly ms: number }[];
  readonly samples: Sample[];
  readonly transitions: Transition[];
  readonly attemptFailures: FailureMark[];
  readonly fallbacksFrom: Record<string, number>;
  readonly servedBy: Record<string, number>;
  readonly retries: Record<string, number>;
}

/** The driver's live picture. */
export interface DriveProgress {
  readonly elapsedMs: number;
  readonly counts: DriveCounts;
  readonly providers: Partial<Record<ProviderId, ProviderSample>>;
  readonly fallbacksFrom: Record<string, number>;
}

/** Time an alert may take in all (every provider, retry and wait), simulated ms. */
export const ALERT_DEADLINE_MS = 120_000;
/** Real time the drain waits for the last calls, beyond their deadline. */
const DRAIN_GRACE_REAL_MS = 10_000;

export interface AlertDriverOptions {
  readonly client: UnifiedLLMClient;
  readonly clock: Clock;
  /** Real time, for the bounded drain. */
  readonly realClock: Clock;
  readonly speed: number;
  readonly alerts: readonly Alert[];
  readonly spanMs: number;
  readonly providers: readonly ProviderId[];
  readonly signal?: AbortSignal;
}

export class AlertDriver {
  private readonly counts: DriveCounts = { dispatched: 0, succeeded: 0, failed: 0 };
  private servedByFallback = 0;
  private readonly failedByCause: Record<string, number> = {};
  private readonly latencies: { atMs: number; ms: number }[] = [];
  private readonly aborts = new Set<AbortController>();
  private readonly recorder: RunRecorder;
  private runStart = 0;
  private wallStart = 0;
  private next = 0;
  private pumpTimer: TimerHandle | undefined;
  private sampleTimer: TimerHandle | undefined;
  private readonly sampleMs: number;
  /** No more alerts will be sent: the span is over, or the run was aborted. */
  private arrivalsOver = false;
  private allSettled: () => void = () => {};
  private readonly drained = new Promise<void>((resolve) => (this.allSettled = resolve));

  constructor(private readonly o: AlertDriverOptions) {
    this.recorder = new RunRecorder(o.client, o.providers, () => this.sinceStart(), (wall) => Math.round(wall - this.wallStart));
    this.sampleMs = Math.max(1_000, Math.round(o.spanMs / 240));
  }

  private sinceStart(): number {
    return this.o.clock.now() - this.runStart;
  }

  /** Starts the arrivals and the sampling now. */
  start(): void {
    this.runStart = this.o.clock.now();
    this.wallStart = this.o.clock.wallTime();
    this.o.signal?.addEventListener('abort', this.abortAll, { once: true });
    this.pump();
    this.sampleLoop();
  }

  live(): DriveProgress {
    return { elapsedMs: Math.min(this.o.spanMs, this.sinceStart()), counts: { ...this.counts }, providers: this.recorder.providerSamples(), fallbacksFrom: Object.fromEntries(this.recorder.fallbacksFrom) };
  }

  /** Waits for the end of the span and the last calls; then stops every timer. */
  async finish(): Promise<DriveRecord> {
    const { clock, realClock, signal } = this.o;
    try {
      // The end of the span, or at once when the run is aborted (checked below).
      await sleep(clock, this.o.spanMs - this.sinceStart(), signal).catch(() => undefined);
      // The span is over: every alert is due (a timer may fire a fraction of a real ms before the
      // clock reads its due time, or after another due at the same moment). Aborted: none is sent.
      if (this.pumpTimer !== undefined) clock.clearTimer(this.pumpTimer);
      this.pumpTimer = undefined;
      if (!signal?.aborted) while (this.next < this.o.alerts.length) this.dispatch(this.o.alerts[this.next++]!);
      this.arrivalsOver = true;
      this.checkDrained();
      const drainReal = (ALERT_DEADLINE_MS + 40_000) / this.o.speed + DRAIN_GRACE_REAL_MS;
      if (!(await settledWithin(this.drained, realClock, drainReal))) {
        this.abortAll();
        await settledWithin(this.drained, realClock, 5_000);
      }
    } finally {
      signal?.removeEventListener('abort', this.abortAll);
      if (this.pumpTimer !== undefined) clock.clearTimer(this.pumpTimer);
      if (this.sampleTimer !== undefined) clock.clearTimer(this.sampleTimer);
    }
    this.recorder.sample(this.counts);
    this.recorder.close();
    const stats = this.o.client.getResilienceStats();
    return {
      counts: { ...this.counts },
      servedByFallback: this.servedByFallback,
      failedByCause: { ...this.failedByCause },
      latencies: this.latencies,
      samples: this.recorder.samples,
      transitions: this.recorder.transitions,
      attemptFailures: this.recorder.attemptFailures,
      fallbacksFrom: Object.fromEntries(this.recorder.fallbacksFrom),
      servedBy: Object.fromEntries(this.recorder.servedBy),
      retries: Object.fromEntries(this.o.providers.map((id) => [id, stats.services[id]?.retries ?? 0])),
    };
  }

  private readonly abortAll = () => {
    for (const abort of this.aborts) abort.abort(this.o.signal?.reason ?? new Error('simulation: the call outlived the drain'));
  };

  private pump(): void {
    this.pumpTimer = undefined;
    if (this.o.signal?.aborted) return;
    const now = this.sinceStart();
    const alerts = this.o.alerts;
    while (this.next < alerts.length && alerts[this.next]!.atMs <= now) this.dispatch(alerts[this.next++]!);
    if (this.next < alerts.length) this.pumpTimer = this.o.clock.setTimer(() => this.pump(), alerts[this.next]!.atMs - now);
  }

  private sampleLoop(): void {
    this.recorder.sample(this.counts);
    if (this.sinceStart() < this.o.spanMs) this.sampleTimer = this.o.clock.setTimer(() => this.sampleLoop(), this.sampleMs);
  }

  private dispatch(alert: Alert): void {
    const { clock, client } = this.o;
    this.counts.dispatched++;
    const startedAt = clock.now();
    const abort = new AbortController();
    this.aborts.add(abort);
    client
      .chat({ messages: [{ role: 'user', content: alertPrompt(alert) }], maxTokens: alert.maxTokens, priority: alert.priority, requestId: alert.id, deadlineMs: ALERT_DEADLINE_MS, signal: abort.signal })
      .then(
        (result) => {
          this.counts.succeeded++;
          this.latencies.push({ atMs: Math.round(this.sinceStart()), ms: Math.round(clock.now() - startedAt) });
          this.recorder.served(result.provider);
          if (result.fallbackFrom !== undefined) this.servedByFallback++;
        },
        (error: unknown) => {
          this.counts.failed++;
          const cause = `${error instanceof Error ? error.name : 'Error'}:${classifyError(error)}`;
          this.failedByCause[cause] = (this.failedByCause[cause] ?? 0) + 1;
        },
      )
      .finally(() => {
        this.aborts.delete(abort);
        this.checkDrained();
      });
  }

  private checkDrained(): void {
    if (this.arrivalsOver && this.counts.succeeded + this.counts.failed === this.counts.dispatched) this.allSettled();
  }
}

/** True when `promise` settles within `ms` of real time. */
async function settledWithin(promise: Promise<void>, clock: Clock, ms: number): Promise<boolean> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = clock.setTimer(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clock.clearTimer(timer);
  }
}
