/**
 * Logging without a logging dependency: any object with debug/info/warn/error (console, pino,
 * winston, bunyan) is a {@link Logger}. Events become one line each, worded as the seeds word them,
 * or one JSON object per line ({@link jsonLogLine}) for log collectors. Secrets are masked in both.
 */
import type { ResilienceEvent } from './events.js';
import { redactSecrets, redactValue } from './redact.js';

export interface Logger {
  debug(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
  /**
   * How {@link logEvent} hands events over: `text` (default) the seeds' line, `json` one JSON object
   * per line ({@link jsonLogLine}). Named so that no logging library's own `format` is mistaken for it.
   */
  readonly logFormat?: 'text' | 'json';
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

/** The level and the one-line message for an event, secrets masked. */
export function formatEvent(event: ResilienceEvent): { level: LogLevel; message: string } {
  const { level, message } = describeEvent(event);
  return { level, message: redactSecrets(message) };
}

function describeEvent(event: ResilienceEvent): { level: LogLevel; message: string } {
  const id = 'requestId' in event && event.requestId ? ` [${event.requestId}]` : '';
  switch (event.type) {
    case 'initialized':
      return { level: 'info', message: `🔱 Resilience initialized for '${event.service}': ${event.components.join(', ') || 'pass-through'}` };
    case 'retry_scheduled':
      return { level: 'info', message: `⏳ Backing off for ${seconds(event.delayMs)} (attempt ${event.attempt + 1}) on '${event.service}'${event.fromRetryAfter ? ' as the provider asked (retry-after)' : ''}${id}` };
    case 'attempt_failed':
      return { level: 'warn', message: `⚠️ LLM call to '${event.service}' failed on attempt ${event.attempt}/${event.maxAttempts}: ${event.kind}: ${event.message}${id}` };
    case 'quota_exhausted':
      return { level: 'error', message: `🚨 Quota error on '${event.service}' on attempt ${event.attempt}/${event.maxAttempts}: ${event.message}${id}` };
    case 'breaker_state_change':
      if (event.to === 'open') {
        return { level: 'error', message: `🚨 Circuit breaker '${event.service}' OPEN after ${event.failures} failures (${event.reason}); probing again in ${seconds(event.openMs ?? 0)}` };
      }
      if (event.to === 'half_open') return { level: 'info', message: `🔄 Circuit '${event.service}' entering HALF_OPEN state` };
      if (event.to === 'isolated') return { level: 'warn', message: `⛔ Circuit '${event.service}' ISOLATED by hand` };
      return { level: 'info', message: `✅ Circuit '${event.service}' CLOSED (${event.reason === 'manual' ? 'reset by hand' : 'recovered'})` };
    case 'rate_limit_wait':
      return {
        level: 'info',
        message: `⏸️ Rate limit hit for ${event.service}: ${event.used} ${dimensionUnit(event.dimension)} (limit ${event.limit}); ${event.queued} waiting${id}`,
      };
    case 'rate_limit_rejected':
      return { level: 'warn', message: `⛔ Rate limit '${event.dimension}' of ${event.service} rejected a request (${event.reason}); it would fit in ${Number.isFinite(event.retryAfterMs) ? seconds(event.retryAfterMs) : 'never'}${id}` };
    case 'fallback':
      return { level: 'warn', message: `🔀 Falling back from '${event.service}' to '${event.to}' (${event.kind})${id}` };
    case 'provider_pause':
      return {
        level: 'warn',
        message:
          event.requestedMs === undefined
            ? `⏸️ ${event.service} asked to pause for ${seconds(event.retryAfterMs)} (retry-after): holding every request`
            : `⏸️ ${event.service} asked to pause for ${seconds(event.requestedMs)} (retry-after): holding every request for ${seconds(event.retryAfterMs)} (maxPauseMs), other providers serve meanwhile`,
      };
    case 'store_unavailable': {
      const fallback =
        event.component === 'circuitBreaker'
          ? 'its circuit breaker runs on local state'
          : event.failMode === 'local'
          ? `falling back to a local limiter with ${Math.round((event.share ?? 1) * 1000) / 10}% of the limits`
          : event.failMode === 'open'
            ? 'admitting without shared limits (fail open)'
            : 'refusing requests (fail closed)';
      return { level: 'error', message: `🚨 Shared store unavailable for '${event.service}': ${event.message}; ${fallback} until it answers` };
    }
    case 'store_recovered':
      return { level: 'info', message: `✅ Shared store back for '${event.service}' after ${seconds(event.downMs)}: shared ${event.component === 'circuitBreaker' ? 'breaker state' : 'limits'} again` };
    case 'store_config_mismatch':
      return { level: 'warn', message: `⚠️ Another process uses different limits for '${event.service}' in the shared store (ours: ${event.ours}); every process keeps its own` };
    case 'model_limiters_full':
      return { level: 'warn', message: `⚠️ '${event.service}' keeps rate limiters for at most ${event.maxModelLimiters} models: '${event.model}' and any later new model share the service's own limiter` };
    case 'shadow_violation':
      return { level: 'warn', message: `👻 Shadow mode on '${event.service}': the ${event.component === 'rateLimit' ? 'rate limiter' : 'circuit breaker'} would have ${event.wouldHave}${id}` };
  }
}

function dimensionUnit(dimension: string): string {
  switch (dimension) {
    case 'requestsPerMinute':
      return 'requests in last minute';
    case 'tokensPerMinute':
    case 'inputTokensPerMinute':
    case 'outputTokensPerMinute':
      return `${dimension.replace('PerMinute', '').replace(/([A-Z])/g, ' $1').toLowerCase()} in last minute`;
    case 'requestsPerDay':
      return 'requests in last minute (per-day limit)';
    case 'tokensPerDay':
      return 'tokens in last minute (per-day limit)';
    case 'maxConcurrent':
      return 'requests in flight';
    default:
      return `held by ${dimension}`;
  }
}

/**
 * Sends every event to `logger` at its level, at or above `minLevel`: the text line, or the JSON
 * line when the logger's `logFormat` is `json`.
 */
export function logEvent(logger: Logger, event: ResilienceEvent, minLevel: LogLevel = 'info'): void {
  const formatted = formatEvent(event);
  if (LEVEL_ORDER[formatted.level] < LEVEL_ORDER[minLevel]) return;
  logger[formatted.level](logger.logFormat === 'json' ? JSON.stringify(recordOf(event, formatted)) : formatted.message);
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * An event as one structured log record: `time` (ISO 8601, from the event's `at`), `level`, `type`,
 * `service`, then the event's own fields (`attempt`, `requestId`, `kind`, `delayMs`, ...), and
 * `message`, the text line. An event's own message (the error of `attempt_failed`,
 * `quota_exhausted`, `store_unavailable`) is `error`. Every string is redacted; a non-finite number
 * (a wait that never ends) is `null`, as JSON has no Infinity.
 */
export type EventLogRecord = { time: string | null; level: LogLevel; type: ResilienceEvent['type']; service: string; message: string; error?: string } & Record<string, unknown>;

/** The structured record of an event (for pino, winston or any logger that takes objects). */
export function eventLogRecord(event: ResilienceEvent): EventLogRecord {
  return recordOf(event, formatEvent(event));
}

/**
 * The event as one JSON object on one line, secrets masked:
 * `{"time":"2026-01-01T12:00:00.000Z","level":"warn","type":"attempt_failed","service":"openai","attempt":1,...,"message":"⚠️ LLM call ..."}`.
 */
export function jsonLogLine(event: ResilienceEvent): string {
  return JSON.stringify(eventLogRecord(event));
}

function recordOf(event: ResilienceEvent, formatted: { level: LogLevel; message: string }): EventLogRecord {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name === 'type' || name === 'service' || name === 'at' || name === 'message' || value === undefined) continue;
    fields[name] = fieldValue(value);
  }
  const own = 'message' in event && typeof event.message === 'string' ? { error: redactSecrets(event.message) } : {};
  // The text line comes after the fields a collector indexes.
  return { time: isoTime(event.at), level: formatted.level, type: event.type, service: redactSecrets(String(event.service)), ...fields, message: formatted.message, ...own };
}

function fieldValue(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(fieldValue);
  return redactValue(value);
}

/** ISO 8601 of a wall-clock time in ms; null when it is not a valid date (never throws). */
function isoTime(at: number): string | null {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
