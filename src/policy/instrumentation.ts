/**
 * Hooks for tracing and metrics that need the start and end of every call and attempt (OpenTelemetry
 * spans, a wait-time histogram). Events say what went wrong; these say what happened, including
 * successes. With no instrumentation registered a pipeline pays one field check per call.
 */

/** Registered on a Resilience (or a client): observes every call of every service. */
export interface CallInstrumentation {
  /** A call starts; the observer (if any) sees its attempts and its end. */
  startCall(service: string, requestId: string | undefined): CallObserver | undefined;
}

export interface CallObserver {
  /** Attempt `attempt` (1, 2, ...) starts: before the breaker and the limiter. */
  startAttempt(attempt: number): AttemptObserver | undefined;
  /** The call ended: with its result, or with the error the caller receives. */
  end(error?: unknown): void;
}

export interface AttemptObserver {
  /** The limiter admitted the attempt after `waitedMs` (0 when at once). */
  admitted(waitedMs: number): void;
  /** The attempt ended: succeeded, or failed with `error` (refused by the breaker or limiter included). */
  end(error?: unknown): void;
}

/** Several instrumentations as one (each observer sees every call). */
export function combineInstrumentations(list: readonly CallInstrumentation[]): CallInstrumentation | undefined {
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return {
    startCall(service, requestId) {
      const calls = list.map((i) => i.startCall(service, requestId)).filter((c): c is CallObserver => c !== undefined);
      if (calls.length === 0) return undefined;
      return {
        startAttempt(attempt) {
          const attempts = calls.map((c) => c.startAttempt(attempt)).filter((a): a is AttemptObserver => a !== undefined);
          return {
            admitted: (waitedMs) => attempts.forEach((a) => a.admitted(waitedMs)),
            end: (error) => attempts.forEach((a) => a.end(error)),
          };
        },
        end: (error) => calls.forEach((c) => c.end(error)),
      };
    },
  };
}
