/**
 * Events as JSON log lines: one object per line with the event's fields, the time in ISO 8601,
 * the level and the seeds' text as `message`, secrets masked; the text lines stay as they were.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { ResilienceEvent } from '../../src/core/events.js';
import { eventLogRecord, formatEvent, jsonLogLine, type Logger, logEvent } from '../../src/core/logger.js';
import { createResilience } from '../../src/policy/resilience.js';

const AT = Date.UTC(2026, 0, 1, 12, 30, 0, 250);
const TIME = '2026-01-01T12:30:00.250Z';
// Built at run time, so that no key-shaped literal sits in the source.
const KEY = `sk-proj-${'Ab3dE'.repeat(10)}`;

/** One event of every type. */
const EVENTS: ResilienceEvent[] = [
  { type: 'initialized', service: 'openai', at: AT, components: ['rateLimit', 'circuitBreaker', 'retry'] },
  { type: 'breaker_state_change', service: 'openai', at: AT, from: 'closed', to: 'open', failures: 5, reason: 'failures', openMs: 60_000 },
  { type: 'breaker_state_change', service: 'openai', at: AT, from: 'open', to: 'half_open', failures: 0, reason: 'open_elapsed' },
  { type: 'attempt_failed', service: 'openai', at: AT, attempt: 1, maxAttempts: 4, kind: 'server_error', message: 'openai answered 500: Internal error', requestId: 'req-7' },
  { type: 'retry_scheduled', service: 'openai', at: AT, attempt: 1, delayMs: 1500, kind: 'rate_limited', fromRetryAfter: true, requestId: 'req-7' },
  { type: 'quota_exhausted', service: 'anthropic', at: AT, attempt: 1, maxAttempts: 4, message: 'credit balance is too low' },
  { type: 'rate_limit_wait', service: 'openai', at: AT, dimension: 'tokensPerMinute', used: 89_000, limit: 90_000, queued: 3 },
  { type: 'rate_limit_rejected', service: 'openai', at: AT, dimension: 'tokensPerMinute', reason: 'never_fits', retryAfterMs: Infinity },
  { type: 'fallback', service: 'openai', at: AT, to: 'anthropic', kind: 'circuit_open', requestId: 'req-8' },
  { type: 'provider_pause', service: 'google', at: AT, retryAfterMs: 34_400 },
  { type: 'store_unavailable', service: 'openai', at: AT, component: 'rateLimit', failMode: 'local', share: 0.5, message: 'connect ECONNREFUSED 127.0.0.1:6379' },
  { type: 'store_recovered', service: 'openai', at: AT, downMs: 2_000, component: 'rateLimit' },
  { type: 'store_config_mismatch', service: 'openai', at: AT, ours: 'rpm=60' },
  { type: 'shadow_violation', service: 'openai', at: AT, component: 'rateLimit', wouldHave: 'held the request for 2.00s' },
];

const eventOf = <T extends ResilienceEvent['type']>(type: T) => EVENTS.find((e) => e.type === type) as Extract<ResilienceEvent, { type: T }>;

describe('jsonLogLine', () => {
  it('an attempt that failed: one line, every field, the time in ISO 8601, the text as message, the error apart', () => {
    const event = eventOf('attempt_failed');
    const line = jsonLogLine(event);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      time: TIME,
      level: 'warn',
      type: 'attempt_failed',
      service: 'openai',
      attempt: 1,
      maxAttempts: 4,
      kind: 'server_error',
      requestId: 'req-7',
      message: "⚠️ LLM call to 'openai' failed on attempt 1/4: server_error: openai answered 500: Internal error [req-7]",
      error: 'openai answered 500: Internal error',
    });
  });

  it('the fields a collector indexes come first, the text line after them', () => {
    expect(Object.keys(eventLogRecord(eventOf('retry_scheduled')))).toEqual(['time', 'level', 'type', 'service', 'attempt', 'delayMs', 'kind', 'fromRetryAfter', 'requestId', 'message']);
  });

  it('every event type: a parseable line with its type, service, level and the same message as the text', () => {
    for (const event of EVENTS) {
      const record = JSON.parse(jsonLogLine(event)) as Record<string, unknown>;
      const { level, message } = formatEvent(event);
      expect(record).toMatchObject({ time: TIME, level, type: event.type, service: event.service, message });
      expect(record).not.toHaveProperty('at');
    }
  });

  it('a wait that never ends is null (JSON has no Infinity); an invalid time is null; nothing throws', () => {
    expect(JSON.parse(jsonLogLine(eventOf('rate_limit_rejected')))).toMatchObject({ retryAfterMs: null, level: 'warn' });
    const record = JSON.parse(jsonLogLine({ ...eventOf('provider_pause'), at: Number.NaN } as ResilienceEvent)) as Record<string, unknown>;
    expect(record.time).toBeNull();
    expect(JSON.parse(jsonLogLine({ ...eventOf('initialized'), at: 8.64e15 + 1 } as ResilienceEvent))).toMatchObject({ time: null });
  });

  it('secrets are masked in the error, the message and every field', () => {
    const event: ResilienceEvent = {
      type: 'attempt_failed',
      service: 'openai',
      at: AT,
      attempt: 1,
      maxAttempts: 1,
      kind: 'unknown',
      message: `Headers.append: "Bearer ${KEY}" is an invalid header value`,
      requestId: `?key=${KEY}`,
    };
    const line = jsonLogLine(event);
    expect(line).not.toContain(KEY.slice(8, 20));
    expect(JSON.parse(line)).toMatchObject({ error: 'Headers.append: "Bearer ***" is an invalid header value', requestId: '?key=***' });
    expect(formatEvent(event).message).not.toContain(KEY.slice(8, 20));
    const store: ResilienceEvent = { type: 'store_unavailable', service: 'openai', at: AT, component: 'rateLimit', failMode: 'closed', message: 'redis://default:hunter2hunter2@127.0.0.1:6379 refused' };
    expect(jsonLogLine(store)).not.toContain('hunter2');
  });
});

describe('formatEvent: the text lines are unchanged', () => {
  it('words each event as the seeds did', () => {
    expect(EVENTS.map((event) => formatEvent(event))).toEqual([
      { level: 'info', message: "🔱 Resilience initialized for 'openai': rateLimit, circuitBreaker, retry" },
      { level: 'error', message: "🚨 Circuit breaker 'openai' OPEN after 5 failures (failures); probing again in 60.00s" },
      { level: 'info', message: "🔄 Circuit 'openai' entering HALF_OPEN state" },
      { level: 'warn', message: "⚠️ LLM call to 'openai' failed on attempt 1/4: server_error: openai answered 500: Internal error [req-7]" },
      { level: 'info', message: "⏳ Backing off for 1.50s (attempt 2) on 'openai' as the provider asked (retry-after) [req-7]" },
      { level: 'error', message: "🚨 Quota error on 'anthropic' on attempt 1/4: credit balance is too low" },
      { level: 'info', message: '⏸️ Rate limit hit for openai: 89000 tokens in last minute (limit 90000); 3 waiting' },
      { level: 'warn', message: "⛔ Rate limit 'tokensPerMinute' of openai rejected a request (never_fits); it would fit in never" },
      { level: 'warn', message: "🔀 Falling back from 'openai' to 'anthropic' (circuit_open) [req-8]" },
      { level: 'warn', message: '⏸️ google asked to pause for 34.40s (retry-after): holding every request' },
      { level: 'error', message: "🚨 Shared store unavailable for 'openai': connect ECONNREFUSED 127.0.0.1:6379; falling back to a local limiter with 50% of the limits until it answers" },
      { level: 'info', message: "✅ Shared store back for 'openai' after 2.00s: shared limits again" },
      { level: 'warn', message: "⚠️ Another process uses different limits for 'openai' in the shared store (ours: rpm=60); every process keeps its own" },
      { level: 'warn', message: "👻 Shadow mode on 'openai': the rate limiter would have held the request for 2.00s" },
    ]);
  });
});

describe('logEvent', () => {
  const recording = (logFormat?: 'text' | 'json') => {
    const lines: { level: string; line: string }[] = [];
    const at = (level: string) => (line: string) => lines.push({ level, line });
    const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), ...(logFormat ? { logFormat } : {}) };
    return { logger, lines };
  };

  it('text by default; a JSON line at the same level when the logger asks for json; the least level applies to both', () => {
    const text = recording();
    const json = recording('json');
    for (const event of EVENTS) {
      logEvent(text.logger, event, 'warn');
      logEvent(json.logger, event, 'warn');
    }
    expect(text.lines.map((l) => l.level)).toEqual(json.lines.map((l) => l.level));
    expect(text.lines.every((l) => l.level === 'warn' || l.level === 'error')).toBe(true);
    expect(json.lines.map((l) => (JSON.parse(l.line) as { message: string }).message)).toEqual(text.lines.map((l) => l.line));
  });

  it('a logger whose own `format` is something else (winston) still gets text', () => {
    const text = recording();
    const winstonLike = Object.assign(text.logger, { format: { transform: () => undefined } });
    logEvent(winstonLike, eventOf('initialized'));
    expect(text.lines[0]!.line).toBe("🔱 Resilience initialized for 'openai': rateLimit, circuitBreaker, retry");
  });

  it('through createResilience: a failing call then a success, one JSON object per line', async () => {
    const { logger, lines } = recording('json');
    const clock = new ManualClock({ wallTimeMs: AT });
    const resilience = createResilience({ services: { openai: { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1, jitter: 'none' } } }, clock, logger });
    let calls = 0;
    const run = resilience.execute(
      'openai',
      () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error(`upstream said Bearer ${KEY}`), { status: 503 });
        return 'ok';
      },
      { requestId: 'req-1' },
    );
    for (let i = 0; i < 10 && calls < 2; i++) await clock.advanceAsync(1);
    await expect(run).resolves.toBe('ok');
    const records = lines.map((l) => JSON.parse(l.line) as Record<string, unknown>);
    expect(records.map((r) => r.type)).toEqual(['initialized', 'attempt_failed', 'retry_scheduled']);
    expect(records[1]).toMatchObject({ level: 'warn', service: 'openai', attempt: 1, requestId: 'req-1', time: TIME, error: 'upstream said Bearer ***' });
    expect(lines.map((l) => l.line).join('\n')).not.toContain(KEY.slice(8, 20));
  });
});
