export { ManualClock, scaledClock, systemClock, flushMicrotasks, type Clock, type TimerHandle } from './clock.js';
export {
  AllProvidersFailedError,
  AttemptTimeoutError,
  CircuitBreakerError,
  ConfigError,
  ProviderError,
  QuotaExceededError,
  RateLimitExceededError,
  ResilienceError,
  RetryExhaustedError,
  ShutdownError,
  StoreError,
  StreamInterruptedError,
  type StoreFailure,
  type AttemptFailure,
  type ProviderFailureRecord,
  type RateLimitRejection,
  type RetryStopReason,
} from './errors.js';
export { FAILURE_POLICIES, type FailureKind, type FailurePolicy } from './failure-kinds.js';
export { classifyError, classifyHttpStatus, headersOf, retryAfterMsOf, statusOf } from './classify.js';
export { readHeader, retryAfterMsFromHeaders, type HeaderSource } from './retry-after.js';
export { EventChannel, type CircuitState, type Disposable, type ResilienceEvent, type ResilienceEventType } from './events.js';
export { eventLogRecord, formatEvent, jsonLogLine, logEvent, type EventLogRecord, type Logger, type LogLevel } from './logger.js';
export { sleep } from './abort.js';
export { redactError, redactSecrets, redactValue } from './redact.js';
