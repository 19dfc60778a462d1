/**
 * One key of the mock under steady load from UnifiedLLMClient, in compressed time (shared by the
 * steady-load and learning tests): 64 callers sending ~150-token prompts as fast as they are
 * served, after a warm-up on another key. Twelve minutes of provider time run in about 40 s: the
 * client and the mock share one clock running 20 times faster than real time. In compressed time a
 * real stall of this process (GC, compilation: the mock runs here too) is twenty times longer, so
 * the provider delay covers 400 ms of real stall (STALL_MS).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { ProviderOptions } from '../../src/client/client-options.js';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import { scaledClock } from '../../src/core/clock.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';
import type { AccountingModel } from '../../src/mock/options.js';

export const SPEED = 20;
/** Real stall of this process (the client and the mock share it) the provider delay covers. */
export const STALL_MS = 400;
export const RPM = 600;
export const TPM = 60_000;
const CALLERS = 64;
let mock: MockServer | undefined;
let llm: UnifiedLLMClient | undefined;

/** Closes what the last run opened (call in afterEach). */
export async function closeSteadyRun(): Promise<void> {
  llm?.close();
  llm = undefined;
  await mock?.close();
  mock = undefined;
}

/** About 150 prompt tokens by the mock's rule (characters / 4), distinct per request. */
export const prompt = (i: number) => `Alert ${i}: ${'disk usage on db-3 crossed the threshold; '.repeat(13)}`.slice(0, 560);

export interface Scenario {
  requests: number;
  /** How the provider charges (the mock's accounting model). */
  accounting: AccountingModel;
  /** What the client is told: nothing (learn), or limits scaled by this factor. */
  told: 'nothing' | number;
  maxTokens?: number;
  /** Real stall the provider delay covers (default STALL_MS); see runSteady. */
  stallMs?: number;
}

export async function runSteady(scenario: Scenario) {
  const clock = scaledClock(SPEED);
  mock = await startMockServer({
    clock,
    seed: 5,
    keys: {
      'sk-warm-up': { provider: 'openai', outputTokens: 50 },
      'sk-steady': {
        provider: 'openai',
        accounting: scenario.accounting,
        limits: { requestsPerMinute: RPM, tokensPerMinute: TPM },
        outputTokens: { min: 50, max: 250 },
        latency: { timeToFirstTokenMs: { kind: 'uniform', minMs: 200, maxMs: 600 } },
      },
    },
  });
  const told = scenario.told;
  // The delay from our admission to the mock's covers 400 ms of real stall in compressed time: a
  // request reaches the mock up to 2.3 s of provider time after its admission on a quiet machine
  // (measured: admission times against the mock's arrival times, sorted), more on a loaded CI,
  // and every 429 of this harness came from a request later than the delay (with 160 ms: 4 x 429
  // in a CI run; with 40 ms, 34 x 429 when the lag reached 1.4 s, none when it stayed under 0.8 s).
  const waiting = { maxWaitMs: 3_600_000, maxQueue: 10_000, providerDelayMs: (scenario.stallMs ?? STALL_MS) * SPEED };
  const rateLimit: ProviderOptions['rateLimit'] = told === 'nothing' ? waiting : { requestsPerMinute: RPM * told, tokensPerMinute: TPM * told, ...waiting };
  llm = new UnifiedLLMClient({
    env: {},
    clock,
    providers: { openai: { apiKey: 'sk-steady', baseURL: `${mock.url}/v1`, retry: { maxRetries: 3 }, rateLimit } },
  });
  const warmUp = new UnifiedLLMClient({ env: {}, clock, providers: { openai: { apiKey: 'sk-warm-up', baseURL: `${mock.url}/v1`, rateLimit: false } } });
  for (let round = 0; round < 2; round++) {
    await Promise.all(Array.from({ length: CALLERS }, (_, i) => warmUp.chat({ messages: [{ role: 'user', content: prompt(i) }], maxTokens: 250 })));
  }
  warmUp.close();
  let next = 0;
  let failed = 0;
  const started = clock.now();
  let lastEnd = started;
  const client = llm;
  const worker = async () => {
    while (next < scenario.requests) {
      const i = next++;
      try {
        await client.chat({ messages: [{ role: 'user', content: prompt(i) }], maxTokens: scenario.maxTokens ?? 250 });
      } catch {
        failed++;
      }
      lastEnd = Math.max(lastEnd, clock.now());
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, worker));
  const ledger = mock.ledger('sk-steady');
  const elapsedMs = lastEnd - started;
  // What the limits allow for what the provider charged: a minute's burst at once, then the refill.
  const tokensMs = Math.max(0, ((ledger.charged.tokens - TPM) / TPM) * 60_000);
  const requestsMs = Math.max(0, ((ledger.admitted - RPM) / RPM) * 60_000);
  const lastCallMs = 600;
  const goodput = (Math.max(tokensMs, requestsMs) + lastCallMs) / elapsedMs;
  // OpenAI limits per model: the client keeps the limiter of each model, named `openai/<model>`.
  return { ledger, failed, elapsedMs, goodput, stats: client.getResilienceStats().rateLimiters['openai/gpt-4o-mini']! };
}

export function record(name: string, figures: Record<string, unknown>): void {
  mkdirSync('artifacts', { recursive: true });
  writeFileSync(`artifacts/${name}.json`, `${JSON.stringify(figures, null, 2)}\n`);
}

