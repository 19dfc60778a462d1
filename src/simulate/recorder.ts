/**
 * What a run records as it goes: the client's events (fallbacks, retries, failed attempts, breaker
 * transitions) and, every sample period, each provider's limiter and breaker as the client sees
 * them. Times are simulated ms from the start of the run.
 */
import type { UnifiedLLMClient } from '../client/unified-client.js';
import type { Disposable } from '../core/events.js';
import type { ProviderId } from '../providers/types.js';
import type { CircuitState } from '../core/events.js';
import { limiterOwner } from '../policy/model-limiters.js';

export interface ProviderSample {
  /** Requests and tokens the client's limiter admitted in the last minute. */
  readonly requestsLastMinute: number;
  readonly tokensLastMinute: number;
  readonly queued: number;
  readonly concurrent: number;
  readonly state: CircuitState;
  /** Calls answered by this provider so far. */
  readonly served: number;
}

export interface Sample {
  readonly atMs: number;
  readonly dispatched: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly inFlight: number;
  readonly providers: Readonly<Partial<Record<ProviderId, ProviderSample>>>;
}

export interface Transition {
  readonly atMs: number;
  readonly provider: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: string;
  /** In a fleet run, the worker process whose breaker changed (each has its own view). */
  readonly worker?: number;
}

export interface FailureMark {
  readonly atMs: number;
  readonly provider: string;
  readonly kind: string;
}

export class RunRecorder {
  readonly samples: Sample[] = [];
  readonly transitions: Transition[] = [];
  /** Every failed attempt (a retry or a fallback followed, or the alert failed). */
  readonly attemptFailures: FailureMark[] = [];
  readonly fallbacksFrom = new Map<string, number>();
  readonly servedBy = new Map<string, number>();
  private readonly subscription: Disposable;

  constructor(
    private readonly client: UnifiedLLMClient,
    private readonly providers: readonly ProviderId[],
    private readonly simulatedNow: () => number,
    private readonly wallToRun: (wallMs: number) => number,
  ) {
    this.subscription = client.events.on((event) => {
      switch (event.type) {
        case 'breaker_state_change':
          this.transitions.push({ atMs: this.wallToRun(event.at), provider: event.service, from: event.from, to: event.to, reason: event.reason });
          break;
        case 'attempt_failed':
          this.attemptFailures.push({ atMs: this.wallToRun(event.at), provider: event.service, kind: event.kind });
          break;
        case 'fallback':
          this.fallbacksFrom.set(event.service, (this.fallbacksFrom.get(event.service) ?? 0) + 1);
          break;
        default:
          break;
      }
    });
  }

  served(provider: ProviderId): void {
    this.servedBy.set(provider, (this.servedBy.get(provider) ?? 0) + 1);
  }

  /** The providers as the client sees them now. */
  providerSamples(): Partial<Record<ProviderId, ProviderSample>> {
    const stats = this.client.getResilienceStats();
    // A provider limited per model (OpenAI) has a limiter per model beside its own: summed.
    const limiters = new Map<string, { requestsLastMinute: number; tokensLastMinute: number; queued: number; concurrent: number }>();
    for (const [key, limiter] of Object.entries(stats.rateLimiters)) {
      const { service } = limiterOwner(key, limiter);
      const sum = limiters.get(service) ?? { requestsLastMinute: 0, tokensLastMinute: 0, queued: 0, concurrent: 0 };
      sum.requestsLastMinute += limiter.requestsLastMinute;
      sum.tokensLastMinute += limiter.tokensLastMinute;
      sum.queued += limiter.queued;
      sum.concurrent += limiter.concurrentRequests;
      limiters.set(service, sum);
    }
    const out: Partial<Record<ProviderId, ProviderSample>> = {};
    for (const id of this.providers) {
      const limiter = limiters.get(id);
      out[id] = {
        requestsLastMinute: limiter?.requestsLastMinute ?? 0,
        tokensLastMinute: limiter?.tokensLastMinute ?? 0,
        queued: limiter?.queued ?? 0,
        concurrent: limiter?.concurrent ?? 0,
        state: stats.circuitBreakers[id]?.state ?? 'closed',
        served: this.servedBy.get(id) ?? 0,
      };
    }
    return out;
  }

  sample(counts: { dispatched: number; succeeded: number; failed: number }): Sample {
    const sample: Sample = { atMs: Math.round(this.simulatedNow()), ...counts, inFlight: counts.dispatched - counts.succeeded - counts.failed, providers: this.providerSamples() };
    this.samples.push(sample);
    return sample;
  }

  close(): void {
    this.subscription.dispose();
  }
}
