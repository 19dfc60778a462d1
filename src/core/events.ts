/**
 * Typed events without Node's EventEmitter (the engine runs on edge runtimes too). Observability
 * subscribes; components never read each other's internals. Emitting with no listener costs a
 * length check, so callers guard building an event with {@link EventChannel.hasListeners}.
 */
import type { FailureKind } from './failure-kinds.js';

export interface Disposable {
  dispose(): void;
}

export class EventChannel<T> {
  private listeners: Array<(event: T) => void> = [];

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  /** Subscribes; the returned handle unsubscribes. */
  on(listener: (event: T) => void): Disposable {
    this.listeners = [...this.listeners, listener];
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  }

  /** Delivers to every listener; a listener that throws is not allowed to break the caller. */
  emit(event: T): void {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(event);
      } catch {
        // Observability must never change the outcome of a call.
      }
    }
  }
}

export type CircuitState = 'closed' | 'open' | 'half_open' | 'isolated';

/**
 * Everything the engine reports. Each has the service it concerns and the clock's wall time. A
 * rate limiter of one model (`rateLimit.perModel`) reports as service `<service>/<model>`, with
 * its `model`.
 */
export type ResilienceEvent =
  | { type: 'initialized'; service: string; at: number; components: readonly ('rateLimit' | 'circuitBreaker' | 'retry' | 'timeout')[] }
  | {
      type: 'breaker_state_change';
      service: string;
      at: number;
      from: CircuitState;
      to: CircuitState;
      /** Consecutive (or windowed) failures that opened it, when it opened. */
      failures: number;
      reason: 'failures' | 'failure_ratio' | 'slow_calls' | 'probe_failed' | 'probe_timeout' | 'open_elapsed' | 'probes_succeeded' | 'manual' | 'remote';
      /** How long it stays open, when it opened. */
      openMs?: number;
    }
  | {
      type: 'attempt_failed';
      service: string;
      at: number;
      attempt: number;
      maxAttempts: number;
      kind: FailureKind;
      message: string;
      requestId?: string;
    }
  | { type: 'retry_scheduled'; service: string; at: number; attempt: number; delayMs: number; kind: FailureKind; fromRetryAfter: boolean; requestId?: string }
  | { type: 'quota_exhausted'; service: string; at: number; attempt: number; maxAttempts: number; message: string; requestId?: string }
  | {
      type: 'rate_limit_wait';
      service: string;
      at: number;
      /** The dimension that holds the request, e.g. `requestsPerMinute`. */
      dimension: string;
      /** Current use of that dimension in the last minute (or in flight for concurrency), and its limit. */
      used: number;
      limit: number;
      queued: number;
      requestId?: string;
      model?: string;
    }
  | { type: 'rate_limit_rejected'; service: string; at: number; dimension: string; reason: string; retryAfterMs: number; requestId?: string; model?: string }
  /** A retry-after paused the provider for `retryAfterMs`; `requestedMs` when it asked for longer than maxPauseMs. */
  | { type: 'provider_pause'; service: string; at: number; retryAfterMs: number; requestedMs?: number; model?: string }
  | {
      type: 'store_unavailable';
      service: string;
      at: number;
      /** Which part lost its shared state: the limiter (falls back by failMode) or the breaker (runs locally). */
      component: 'rateLimit' | 'circuitBreaker';
      /** What the limiter does until the store answers again. */
      failMode: 'local' | 'open' | 'closed';
      /** This process's share of the limits in local mode. */
      share?: number;
      message: string;
      model?: string;
    }
  | {
      type: 'fallback';
      /** The provider given up on: it failed, or the router skipped it. */
      service: string;
      at: number;
      /** The provider tried next. */
      to: string;
      /** Why `service` did not serve: its last failure, or why it was skipped (`circuit_open`, `quota_exhausted`). */
      kind: FailureKind;
      requestId?: string;
    }
  | { type: 'store_recovered'; service: string; at: number; downMs: number; component: 'rateLimit' | 'circuitBreaker'; model?: string }
  | { type: 'store_config_mismatch'; service: string; at: number; ours: string; model?: string }
  /** A service limited per model met more models than it keeps limiters for: `model`, and every later new one, share the service's own limiter. Once per service. */
  | { type: 'model_limiters_full'; service: string; at: number; model: string; maxModelLimiters: number }
  | {
      type: 'shadow_violation';
      service: string;
      at: number;
      component: 'rateLimit' | 'circuitBreaker';
      /** What enforce mode would have done. */
      wouldHave: string;
      requestId?: string;
    };

export type ResilienceEventType = ResilienceEvent['type'];
