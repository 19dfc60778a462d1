/**
 * `llm-resilience demo`: about ten seconds of the real engine against in-process stand-in
 * providers (time compressed: breaker open 1 s, backoff from 50 ms). Three scenes: a burst held
 * to a provider's per-second cap with priorities; a provider outage that opens a circuit and
 * recovers; one 429 whose retry-after pauses every caller of that provider.
 */
import { createResilience, formatEvent, type Priority, type ResilienceEvent } from '../index.js';
import { StandInProvider } from './demo-provider.js';

interface DemoResult {
  requests: number;
  succeeded: number;
  failed: number;
  provider429s: number;
  waitMsByPriority: Record<string, number>;
  breakerTransitions: string[];
  pausedCallersHeld: number;
  elapsedMs: number;
}

const PRIORITIES: Priority[] = ['high', 'normal', 'low'];

export async function runDemo(options: { json: boolean }): Promise<number> {
  const started = performance.now();
  const log = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`);
  };
  const openai = new StandInProvider('openai', 10, 10, 40);
  const anthropic = new StandInProvider('anthropic', 50, 50, 40);
  const resilience = createResilience({
    services: {
      // The stand-in allows 600 RPM with a one-second burst, like xAI's per-second cap.
      openai: { rateLimit: { requestsPerMinute: 600, burst: { requestsPerMinute: 10 }, maxConcurrent: 8, maxWaitMs: 15_000, providerDelayMs: 20 }, retry: { baseDelayMs: 50, maxDelayMs: 2000 } },
      anthropic: {
        rateLimit: { requestsPerMinute: 3000, burst: { requestsPerMinute: 50 }, maxConcurrent: 4, providerDelayMs: 20 },
        circuitBreaker: { failureThreshold: 5, openMs: 1000, successThreshold: 2 },
        retry: { maxRetries: 1, baseDelayMs: 50, maxDelayMs: 500 },
      },
    },
  });
  const transitions: string[] = [];
  resilience.events.on((event: ResilienceEvent) => {
    if (event.type === 'breaker_state_change') transitions.push(`${event.from}->${event.to}`);
    if (event.type === 'breaker_state_change' || event.type === 'provider_pause') log(`   ${formatEvent(event).message}`);
  });

  log('Scene 1: 40 requests at once to a provider that allows 600 RPM with a one-second burst (10)');
  const waits: Record<string, number[]> = { high: [], normal: [], low: [] };
  await Promise.all(
    Array.from({ length: 40 }, (_, i) => {
      const priority = PRIORITIES[i % 3]!;
      const queuedAt = performance.now();
      return resilience.execute('openai', ({ signal }) => {
        waits[priority]!.push(performance.now() - queuedAt);
        return openai.call(signal);
      }, { priority, usage: (r) => ({ tokens: r.tokens }) });
    }),
  );
  const average = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  const waitMsByPriority = Object.fromEntries(PRIORITIES.map((p) => [p, average(waits[p]!)]));
  log(`   served ${openai.served}, provider 429s: ${openai.rejected429}; average wait high ${waitMsByPriority.high} ms, normal ${waitMsByPriority.normal} ms, low ${waitMsByPriority.low} ms`);

  log('Scene 2: anthropic fails with 503 for 1.5 s while 60 requests arrive over 3 s');
  anthropic.outage(1500);
  const outcomes = await Promise.allSettled(
    Array.from({ length: 60 }, (_, i) =>
      new Promise((r) => setTimeout(r, i * 50)).then(() => resilience.execute('anthropic', ({ signal }) => anthropic.call(signal))),
    ),
  );
  const failedFast = outcomes.filter((o) => o.status === 'rejected' && (o.reason as Error).name === 'CircuitBreakerError').length;
  log(`   ${outcomes.filter((o) => o.status === 'fulfilled').length} succeeded, ${failedFast} failed fast while the circuit was open, ${anthropic.failed503} calls reached the failing provider`);

  log('Scene 3: one 429 with retry-after: 1 s, then 10 more callers of the same provider');
  openai.throttleNext();
  const before429 = openai.rejected429;
  const throttledAt = performance.now();
  const first = resilience.execute('openai', ({ signal }) => openai.call(signal));
  await new Promise((r) => setTimeout(r, 50));
  let pausedCallersHeld = 0;
  const others = Array.from({ length: 10 }, () =>
    resilience.execute('openai', ({ signal }) => {
      if (performance.now() - throttledAt >= 1000) pausedCallersHeld++;
      return openai.call(signal);
    }),
  );
  await Promise.all([first, ...others]);
  log(`   provider 429s: ${openai.rejected429 - before429} (the injected one); ${pausedCallersHeld} of 10 later callers were held until the retry-after had passed`);

  const stats = resilience.getStats();
  const services = Object.values(stats.services);
  const result: DemoResult = {
    requests: services.reduce((n, s) => n + s.requests, 0),
    succeeded: services.reduce((n, s) => n + s.succeeded, 0),
    failed: services.reduce((n, s) => n + s.failed, 0),
    provider429s: openai.rejected429 + anthropic.rejected429,
    waitMsByPriority,
    breakerTransitions: transitions,
    pausedCallersHeld,
    elapsedMs: Math.round(performance.now() - started),
  };
  if (options.json) process.stdout.write(`${JSON.stringify({ ...result, health: resilience.getHealthStatus(), stats })}\n`);
  else {
    log('');
    log(`Summary: ${result.requests} requests, ${result.succeeded} succeeded, ${result.failed} failed (during the outage); provider 429s: ${result.provider429s} (1 injected); breaker: ${transitions.join(', ') || 'no transitions'}; ${result.elapsedMs} ms`);
    log(`Health now: ${resilience.getHealthStatus().status}`);
  }
  return 0;
}
