import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import { createResilience } from '../../src/policy/resilience.js';

function captureLogger() {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { lines, logger };
}

describe('A breaker that opens is seen everywhere (Portkey-AI/gateway#1289)', () => {
  it('state and transitions show in stats, health and logs, worded as the seeds', async () => {
    const clock = new ManualClock();
    const { lines, logger } = captureLogger();
    const resilience = createResilience({
      clock,
      logger,
      services: { openai: { retry: { maxRetries: 1, jitter: 'none', budget: false, baseDelayMs: 2340 }, circuitBreaker: { failureThreshold: 2, openMs: 60_000 }, rateLimit: { requestsPerMinute: 60 } } },
    });
    const failing = resilience.execute('openai', () => Promise.reject(Object.assign(new Error('Service Unavailable'), { status: 503 })), { requestId: 'req-1' }).catch(() => undefined);
    await clock.advanceAsync(3000);
    await failing;
    expect(resilience.getStats().circuitBreakers.openai).toMatchObject({ state: 'open', failureCount: 2 });
    expect(resilience.getStats().services.openai).toMatchObject({ breakerTransitions: 1, retries: 1, failed: 1 });
    expect(resilience.getHealthStatus()).toMatchObject({ status: 'unavailable', issues: [expect.stringContaining("Circuit 'openai' is OPEN")] });
    expect(lines).toEqual([
      "info 🔱 Resilience initialized for 'openai': rateLimit, circuitBreaker, retry",
      "warn ⚠️ LLM call to 'openai' failed on attempt 1/2: server_error: Service Unavailable [req-1]",
      "info ⏳ Backing off for 2.34s (attempt 2) on 'openai' [req-1]",
      "error 🚨 Circuit breaker 'openai' OPEN after 2 failures (failures); probing again in 60.00s",
      "warn ⚠️ LLM call to 'openai' failed on attempt 2/2: server_error: Service Unavailable [req-1]",
    ]);
    await clock.advanceAsync(60_000);
    await resilience.execute('openai', async () => 'ok');
    await resilience.execute('openai', async () => 'ok');
    expect(lines.slice(-2)).toEqual(["info 🔄 Circuit 'openai' entering HALF_OPEN state", "info ✅ Circuit 'openai' CLOSED (recovered)"]);
  });
});
