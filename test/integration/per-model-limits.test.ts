/**
 * Issue 11, "Limits from headers when none are configured, per provider and per model where the
 * provider scopes limits per model (OpenAI does: two models on one key have separate limits)":
 * UnifiedLLMClient and the openai SDK through resilientFetch, told no limits, against one mock
 * OpenAI key whose limits are per model (a different limit for each of the two models), over real
 * HTTP on 127.0.0.1. The client and the mock share a manual clock: time passes only when the test
 * says so, so "not slowed" means admitted with no time passing.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { resilientFetch } from '../../src/client/resilient-fetch.js';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import { ManualClock } from '../../src/core/clock.js';
import type { RateLimiterStats } from '../../src/limiter/rate-limiter.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';
import { createResilience } from '../../src/policy/resilience.js';

const KEY = 'sk-per-model';
const SMALL = 'gpt-4o-mini';
const LARGE = 'gpt-4o';
/** Per model, as OpenAI documents: gpt-4o-mini 10 RPM / 100 000 TPM, gpt-4o 4 RPM / 50 000 TPM, on one key. */
const LIMITS: Readonly<Record<string, { requests: number; tokens: number }>> = { [SMALL]: { requests: 10, tokens: 100_000 }, [LARGE]: { requests: 4, tokens: 50_000 } };

let mock: MockServer | undefined;
let close: (() => void) | undefined;
afterEach(async () => {
  close?.();
  close = undefined;
  await mock?.close();
  mock = undefined;
});

async function start(): Promise<{ mock: MockServer; clock: ManualClock }> {
  const clock = new ManualClock({ startMs: 1_000 });
  mock = await startMockServer({
    clock,
    keys: {
      [KEY]: {
        provider: 'openai',
        limitScope: 'model',
        limits: { requestsPerMinute: LIMITS[SMALL]!.requests, tokensPerMinute: LIMITS[SMALL]!.tokens },
        models: { [LARGE]: { requestsPerMinute: LIMITS[LARGE]!.requests, tokensPerMinute: LIMITS[LARGE]!.tokens } },
        outputTokens: 5,
      },
    },
  });
  return { mock, clock };
}

/** Polls (a few ms of real time each, at most 2 000 times) until `predicate` holds: for HTTP round trips to finish. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`never happened: ${what}`);
}

/** A call counted when it settles. */
function tracked(call: () => Promise<unknown>, counts: { done: number; failed: number }): Promise<unknown> {
  return call().then(
    () => counts.done++,
    () => counts.failed++,
  );
}

interface Subject {
  call(model: string): Promise<unknown>;
  limiter(model: string): RateLimiterStats | undefined;
}

/** Each model's limiter learned its own model's limits from the headers of its own responses. */
function expectLearnedPerModel(subject: Subject): void {
  for (const model of [SMALL, LARGE]) {
    expect(subject.limiter(model)).toMatchObject({
      name: `openai/${model}`,
      model,
      maxRequestsPerMinute: LIMITS[model]!.requests,
      maxTokensPerMinute: LIMITS[model]!.tokens,
      limitSources: { requestsPerMinute: 'provider', tokensPerMinute: 'provider' },
    });
  }
}

/**
 * The first model's budget spent (`burst` calls, those beyond its budget queued), the second
 * model is served with no time passing; then time passes until the first model's calls are all
 * served. Not one 429, on either model.
 */
async function secondModelNotSlowed(subject: Subject, server: MockServer, clock: ManualClock, burst: number): Promise<void> {
  const small = { done: 0, failed: 0 };
  const smallCalls = Array.from({ length: burst }, () => tracked(() => subject.call(SMALL), small));
  // Every call has reached the limiter (admitted or queued), and the admitted ones are done.
  const settledInLimiter = () => {
    const limiter = subject.limiter(SMALL)!;
    return limiter.admitted + limiter.queued === 1 + burst && limiter.concurrentRequests === 0;
  };
  await until(settledInLimiter, 'the small model queued, its admitted calls done');
  const queuedSmall = subject.limiter(SMALL)!.queued;
  expect(queuedSmall).toBeGreaterThan(0);

  const pausedAt = clock.now();
  const large = { done: 0, failed: 0 };
  // What the large model has left after its first call, less one: the client keeps a little
  // headroom (the refill of the expected network delay), so its last request waits for a refill.
  const spare = LIMITS[LARGE]!.requests - 2;
  const largeCalls = Array.from({ length: spare }, () => tracked(() => subject.call(LARGE), large));
  await until(() => large.done + large.failed === spare, 'the large model served');
  await Promise.all(largeCalls);
  expect(large).toEqual({ done: spare, failed: 0 });
  expect(clock.now()).toBe(pausedAt);
  expect(subject.limiter(LARGE)).toMatchObject({ waited: 0, queued: 0 });
  // The small model's calls still wait for their model's refill.
  expect(subject.limiter(SMALL)!.queued).toBe(queuedSmall);

  for (let step = 0; step < 200 && small.done + small.failed < burst; step++) {
    await until(() => subject.limiter(SMALL)!.concurrentRequests === 0, 'the small model idle');
    await clock.advanceAsync(1_000);
  }
  await Promise.all(smallCalls);
  expect(small).toEqual({ done: burst, failed: 0 });

  const ledger = server.ledger(KEY);
  expect(ledger.models).toEqual({
    [SMALL]: { admitted: 1 + burst, rejected: 0, violations: 0 },
    [LARGE]: { admitted: 1 + spare, rejected: 0, violations: 0 },
  });
  expect(ledger).toMatchObject({ rejectedTotal: 0, violations: 0 });
  expectLearnedPerModel(subject);
}

describe('Limits from headers when none are configured, per provider and per model where the provider scopes limits per model (OpenAI does: two models on one key have separate limits)', () => {
  function unifiedClient(server: MockServer, clock: ManualClock): Subject {
    // No limits told (maxWaitMs is no limit): the client starts from its built-in guess and learns.
    const llm = new UnifiedLLMClient({ env: {}, clock, providers: { openai: { apiKey: KEY, baseURL: `${server.url}/v1`, rateLimit: { maxWaitMs: 120_000 } } } });
    close = () => llm.close();
    return {
      call: (model) => llm.chat({ model, messages: [{ role: 'user', content: 'Classify: disk full on db-3' }], maxTokens: 20 }),
      limiter: (model) => llm.getResilienceStats().rateLimiters[`openai/${model}`],
    };
  }

  function sdkThroughResilientFetch(server: MockServer, clock: ManualClock): Subject {
    const resilience = createResilience({ clock, services: { openai: {} } });
    close = () => resilience.close();
    const openai = new OpenAI({ apiKey: KEY, baseURL: `${server.url}/v1`, maxRetries: 0, fetch: resilientFetch({ service: 'openai', resilience, clock }) });
    return {
      call: (model) => openai.chat.completions.create({ model, max_tokens: 20, messages: [{ role: 'user', content: 'Classify: disk full on db-3' }] }),
      limiter: (model) => resilience.getStats().rateLimiters[`openai/${model}`],
    };
  }

  /** The mock, and `make`'s subject after one call to each model: the first responses. */
  async function afterFirstResponses(make: (server: MockServer, clock: ManualClock) => Subject) {
    const { mock: server, clock } = await start();
    const subject = make(server, clock);
    await subject.call(SMALL);
    await subject.call(LARGE);
    return { server, clock, subject };
  }

  it("UnifiedLLMClient told nothing: after one call to each model, each model's limiter holds its own model's limits (one limiter for the key took whichever answered last)", async () => {
    const { server, subject } = await afterFirstResponses(unifiedClient);
    expectLearnedPerModel(subject);
    expect(server.ledger(KEY)).toMatchObject({ admitted: 2, rejectedTotal: 0 });
  });

  it('UnifiedLLMClient told nothing: each model converges to its own header limit, 0 × 429, and the second model is not slowed by the first', async () => {
    const { server, clock, subject } = await afterFirstResponses(unifiedClient);
    await secondModelNotSlowed(subject, server, clock, 13);
  });

  it('the openai SDK through resilientFetch, told nothing: the same, each model learned from its own responses', async () => {
    const { server, clock, subject } = await afterFirstResponses(sdkThroughResilientFetch);
    expectLearnedPerModel(subject);
    // resilientFetch's limiters keep their default maxWaitMs (15 s): two calls past the budget wait 6 and 12 s.
    await secondModelNotSlowed(subject, server, clock, LIMITS[SMALL]!.requests - 1 + 2);
  });

  it("a user's rateLimit.perModel: false wins: one limiter for every model, as the key had before", async () => {
    const { mock: server, clock } = await start();
    const llm = new UnifiedLLMClient({ env: {}, clock, providers: { openai: { apiKey: KEY, baseURL: `${server.url}/v1`, rateLimit: { perModel: false } } } });
    close = () => llm.close();
    await llm.chat({ model: SMALL, messages: [{ role: 'user', content: 'hi' }], maxTokens: 20 });
    await llm.chat({ model: LARGE, messages: [{ role: 'user', content: 'hi' }], maxTokens: 20 });
    const limiters = llm.getResilienceStats().rateLimiters;
    expect(Object.keys(limiters)).toEqual(['openai']);
    expect(limiters.openai!.admitted).toBe(2);
  });

  it('per model is the default for OpenAI only: Anthropic keeps one limiter for every model', async () => {
    const { mock: server, clock } = await start();
    const llm = new UnifiedLLMClient({ env: {}, clock, providers: { anthropic: { apiKey: 'sk-unused', baseURL: `${server.url}/v1` } } });
    close = () => llm.close();
    expect(llm.resilience.pipeline('anthropic').limiters.limiterFor('claude-sonnet-4-20250514')).toBe(llm.resilience.pipeline('anthropic').limiter);
    expect(llm.resilience.pipeline('anthropic').limiters.byModel.size).toBe(0);
  });

  it("resilientFetch reads the model from the JSON body, and Gemini's from the path (models/<model>:generateContent); a request with no model uses the service's own limiter", async () => {
    const clock = new ManualClock();
    mock = await startMockServer({
      clock,
      keys: { 'sk-gemini': { provider: 'google', limits: { requestsPerMinute: 100 } }, [KEY]: { provider: 'openai', limitScope: 'model', limits: { requestsPerMinute: 100 } } },
    });
    const resilience = createResilience({ clock, services: { google: { rateLimit: { perModel: true } }, openai: {} } });
    close = () => resilience.close();
    const gemini = resilientFetch({ service: 'google', resilience, clock });
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    const answer = await gemini(`${mock.url}/v1beta/models/gemini-2.0-flash:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': 'sk-gemini', 'content-type': 'application/json' }, body });
    expect(answer.status).toBe(200);
    await answer.arrayBuffer();
    expect(resilience.getStats().rateLimiters['google/gemini-2.0-flash']).toMatchObject({ model: 'gemini-2.0-flash', admitted: 1 });

    const openai = resilientFetch({ service: 'openai', resilience, clock });
    const list = await openai(`${mock.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(list.status).toBe(200);
    await list.arrayBuffer();
    const chat = await openai(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: SMALL, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });
    await chat.arrayBuffer();
    const stats = resilience.getStats().rateLimiters;
    expect(stats.openai).toMatchObject({ admitted: 1 });
    expect(stats[`openai/${SMALL}`]).toMatchObject({ admitted: 1, maxRequestsPerMinute: 100 });
  });
});
