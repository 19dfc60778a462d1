/**
 * Issue: "API keys, Authorization headers and anything matching a key's shape never appear in a
 * log line, an error message, stats or a report: a test feeds real-looking keys through every
 * path and greps for them."
 *
 * Real-looking keys of every provider go through the mock provider server over real HTTP, on
 * every path: successes, wrong keys, 429s with retry-after, 500s until the circuit opens, quota,
 * timeouts, a closed port, fallback, AllProvidersFailedError, streams, the official SDKs through
 * resilientFetch, option typos and the configuration's Redis URL. Everything a user can see is
 * captured (see secret-scan.ts) and searched for each secret, any 12 characters of one, and
 * `Bearer <secret>`.
 */
import { inspect } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCheckConfig } from '../../src/cli/check-config.js';
import { resilientFetch } from '../../src/client/resilient-fetch.js';
import { type ChatOptions, UnifiedLLMClient } from '../../src/client/unified-client.js';
import type { ProviderOptions, UnifiedLLMClientOptions } from '../../src/client/client-options.js';
import { createClientFromConfig } from '../../src/config/create-client.js';
import { loadConfig } from '../../src/config/load-config.js';
import { AllProvidersFailedError, AttemptTimeoutError, CircuitBreakerError, ConfigError, ProviderError, QuotaExceededError, ResilienceError, StreamInterruptedError } from '../../src/core/errors.js';
import { type MockKeyConfig, type MockServer, startMockServer } from '../../src/mock/index.js';
import { createResilience } from '../../src/policy/resilience.js';
import type { ProviderId } from '../../src/providers/types.js';
import { ALL_SECRETS, Capture, closedPort, findLeaks, KEYS, PROVIDERS, REDIS_PASSWORD } from './secret-scan.js';

const MODEL: Record<ProviderId, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
  google: 'gemini-2.5-flash',
  xai: 'grok-3-mini',
  deepseek: 'deepseek-chat',
  moonshot: 'moonshot-v1-8k',
};

const ask = (model?: string): ChatOptions => ({ messages: [{ role: 'user', content: 'Classify: disk full on db-3' }], maxTokens: 32, ...(model ? { model } : {}) });

let mock: MockServer;
let deadPort: number;

beforeAll(async () => {
  const latency = { timeToFirstTokenMs: 2, perChunkMs: 1 };
  const keys: Record<string, MockKeyConfig> = {};
  for (const provider of PROVIDERS) {
    keys[KEYS[provider].good] = { provider, outputTokens: 12, latency };
    keys[KEYS[provider].faulty] = { provider, outputTokens: 12, latency };
    keys[KEYS[provider].quota] = { provider, quotaExhausted: true };
    // One request at a time, refilled every 50 ms: the second of two quick requests gets a 429.
    keys[KEYS[provider].tight] = { provider, outputTokens: 4, latency, overLimit: 'reject', limits: { requestsPerMinute: 1200, burst: { requests: 1 } } };
  }
  mock = await startMockServer({ seed: 5, keys });
  deadPort = await closedPort();
});
afterAll(async () => mock.close());
afterEach(() => {
  mock.clearFaults();
  vi.restoreAllMocks();
});

const baseURL = (provider: ProviderId, url = mock.url) => `${url}${provider === 'google' ? '/v1beta' : '/v1'}`;

/** A client over the given providers and keys, on the mock server, every line and event captured. */
function client(capture: Capture, keys: Partial<Record<ProviderId, string>>, own: ProviderOptions = {}, options: UnifiedLLMClientOptions = {}): UnifiedLLMClient {
  const providers: UnifiedLLMClientOptions['providers'] = {};
  for (const [provider, apiKey] of Object.entries(keys) as [ProviderId, string][]) {
    providers[provider] = { apiKey, baseURL: baseURL(provider), retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 20 }, rateLimit: false, timeoutMs: 5_000, ...own };
  }
  const llm = new UnifiedLLMClient({ env: {}, providers, fallback: [], logger: capture.logger(), ...options });
  capture.watch(llm.resilience);
  return llm;
}

async function failure(capture: Capture, promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  capture.error(error);
  return error;
}

/** Drains a stream, capturing its chunks' text; resolves with the error it ended with, if any. */
async function drain(capture: Capture, stream: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const chunk of stream) capture.add('stream chunk', JSON.stringify(chunk));
    return undefined;
  } catch (error) {
    capture.error(error, 'stream error');
    return error;
  }
}

describe('the search itself', () => {
  it('finds a whole key, a truncated one, and Bearer <key>, in every provider shape', () => {
    for (const provider of PROVIDERS) {
      const key = KEYS[provider].good;
      expect(findLeaks('t', `key ${key} here`).length).toBeGreaterThan(0);
      expect(findLeaks('t', `prefix-less piece ${key.slice(-12)}`).length).toBeGreaterThan(0);
      expect(findLeaks('t', `Authorization: Bearer ${key}`).map((l) => l.match)).toContain('Bearer <secret>');
    }
    expect(findLeaks('t', `eleven only ${KEYS.openai.good.slice(20, 31)}`)).toEqual([]);
    expect(ALL_SECRETS.length).toBe(PROVIDERS.length * 5 + 1);
    // The shapes are the providers' own.
    expect(KEYS.openai.good).toMatch(/^sk-proj-[A-Za-z0-9_-]{48,}$/);
    expect(KEYS.anthropic.good).toMatch(/^sk-ant-api03-[A-Za-z0-9_-]{90,}AA$/);
    expect(KEYS.google.good).toMatch(/^AIza[A-Za-z0-9_-]{35}$/);
    expect(KEYS.xai.good).toMatch(/^xai-[A-Za-z0-9]{80}$/);
    expect(KEYS.deepseek.good).toMatch(/^sk-[0-9a-f]{32}$/);
    expect(KEYS.moonshot.good).toMatch(/^sk-[A-Za-z0-9]{48}$/);
  });
});

describe('UnifiedLLMClient: no key in logs, events, errors, stats or health', () => {
  it('chat and stream succeed on every provider', async () => {
    const capture = new Capture();
    const llm = client(capture, Object.fromEntries(PROVIDERS.map((p) => [p, KEYS[p].good])));
    for (const provider of PROVIDERS) {
      const reply = await llm.chat(ask(MODEL[provider]));
      expect(reply.provider).toBe(provider);
      capture.add(`${provider} reply`, JSON.stringify(reply));
      expect(await drain(capture, llm.stream(ask(MODEL[provider])))).toBeUndefined();
    }
    capture.state('client', llm);
    capture.expectClean();
  });

  it('a wrong key: the provider says so (401, 400 or 403), without the key', async () => {
    const capture = new Capture();
    for (const provider of PROVIDERS) {
      const llm = client(capture, { [provider]: KEYS[provider].wrong });
      const error = await failure(capture, llm.chat(ask()));
      expect(error).toBeInstanceOf(ProviderError);
      expect([400, 401, 403]).toContain((error as ProviderError).status);
      await drain(capture, llm.stream(ask()));
      capture.state(provider, llm);
    }
    expect(capture.events.some((e) => e.type === 'attempt_failed' && e.kind === 'auth')).toBe(true);
    capture.expectClean();
  });

  it('429 with retry-after: retried, then answered', async () => {
    const capture = new Capture();
    for (const provider of PROVIDERS) {
      // Anthropic rounds retry-after up to a whole second.
      const llm = client(capture, { [provider]: KEYS[provider].tight }, { retry: { maxRetries: 4, baseDelayMs: 30, maxDelayMs: 200, maxRetryAfterMs: 1_500 } });
      const settled = await Promise.allSettled([llm.chat(ask()), llm.chat(ask())]);
      for (const outcome of settled) if (outcome.status === 'rejected') capture.error(outcome.reason);
      // Gemini words a per-minute 429 as "exceeded your current quota": it is taken for quota, not retried.
      if (provider !== 'google') expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled']);
      capture.state(provider, llm);
    }
    const retried = capture.events.filter((e) => e.type === 'retry_scheduled' && e.kind === 'rate_limited');
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.some((e) => e.type === 'retry_scheduled' && e.fromRetryAfter)).toBe(true);
    capture.expectClean();
  });

  it('500s until the circuit opens, then CircuitBreakerError, on every provider', async () => {
    const capture = new Capture();
    for (const provider of PROVIDERS) {
      mock.setFaults({ errorRates: { '500': 1 } }, { key: KEYS[provider].faulty });
      const llm = client(capture, { [provider]: KEYS[provider].faulty }, { circuitBreaker: { failureThreshold: 2, openMs: 60_000 } });
      await failure(capture, llm.chat(ask()));
      // The open circuit is skipped by the router: the only provider's reason is the breaker.
      const open = await failure(capture, llm.chat(ask()));
      expect(open).toBeInstanceOf(AllProvidersFailedError);
      expect((open as AllProvidersFailedError).failures[0]!.error).toBeInstanceOf(CircuitBreakerError);
      await drain(capture, llm.stream(ask()));
      capture.state(provider, llm);
    }
    expect(capture.events.filter((e) => e.type === 'breaker_state_change' && e.to === 'open')).toHaveLength(PROVIDERS.length);
    capture.expectClean();
  });

  it('quota errors: one attempt, QuotaExceededError or the provider error, without the key', async () => {
    const capture = new Capture();
    for (const provider of PROVIDERS) {
      const llm = client(capture, { [provider]: KEYS[provider].quota });
      const error = await failure(capture, llm.chat(ask()));
      expect(error).toBeInstanceOf(ResilienceError);
      await drain(capture, llm.stream(ask()));
      capture.state(provider, llm);
    }
    expect(capture.errors.filter((e) => e instanceof QuotaExceededError).length).toBeGreaterThanOrEqual(4);
    capture.expectClean();
  });

  it('timeouts: a hung provider, a stream with no first chunk, a stream of keep-alives only', async () => {
    const capture = new Capture();
    for (const provider of PROVIDERS) {
      mock.setFaults({ outages: [{ mode: 'hang' }] }, { key: KEYS[provider].faulty });
      const llm = client(capture, { [provider]: KEYS[provider].faulty }, { timeoutMs: 100, retry: false }, { stream: { firstChunkTimeoutMs: 100, idleTimeoutMs: 100 } });
      expect(await failure(capture, llm.chat(ask()))).toBeInstanceOf(AttemptTimeoutError);
      expect(await drain(capture, llm.stream(ask()))).toBeInstanceOf(ResilienceError);
      mock.setFaults({ stream: { keepAliveOnly: true, keepAliveIntervalMs: 20 } }, { key: KEYS[provider].faulty });
      expect(await drain(capture, llm.stream(ask()))).toBeInstanceOf(ResilienceError);
      capture.state(provider, llm);
    }
    capture.expectClean();
  });

  it('network errors: a closed port on 127.0.0.1, and a connection reset mid-call', async () => {
    const capture = new Capture();
    for (const provider of PROVIDERS) {
      const llm = client(capture, { [provider]: KEYS[provider].good }, { baseURL: baseURL(provider, `http://127.0.0.1:${deadPort}`) });
      const error = await failure(capture, llm.chat(ask()));
      expect(error).toMatchObject({ kind: 'network' });
      await drain(capture, llm.stream(ask()));
      mock.setFaults({ outages: [{ mode: 'reset' }] }, { key: KEYS[provider].faulty });
      const reset = client(capture, { [provider]: KEYS[provider].faulty });
      expect(await failure(capture, reset.chat(ask()))).toMatchObject({ kind: 'network' });
      capture.state(provider, llm);
    }
    capture.expectClean();
  });

  it('fallback across providers, and AllProvidersFailedError with every cause', async () => {
    const capture = new Capture();
    mock.setFaults({ errorRates: { '503': 1 } }, { key: KEYS.openai.faulty });
    const fallback = client(capture, { openai: KEYS.openai.faulty, anthropic: KEYS.anthropic.good }, {}, { preferredModel: 'gpt-4o-mini', fallback: ['anthropic'] });
    expect(await fallback.chat(ask())).toMatchObject({ provider: 'anthropic', fallbackFrom: 'openai' });
    expect(await drain(capture, fallback.stream(ask()))).toBeUndefined();
    capture.state('fallback', fallback);

    mock.setFaults({ outages: [{ mode: 'hang' }] }, { key: KEYS.deepseek.faulty });
    mock.setFaults({ errorRates: { '500': 1 } }, { key: KEYS.xai.faulty });
    const llm = new UnifiedLLMClient({
      env: {},
      logger: capture.logger(),
      preferredModel: 'gpt-4o-mini',
      fallback: ['anthropic', 'google', 'xai', 'deepseek', 'moonshot'],
      providers: {
        openai: { apiKey: KEYS.openai.wrong, baseURL: baseURL('openai'), retry: false },
        anthropic: { apiKey: KEYS.anthropic.quota, baseURL: baseURL('anthropic'), retry: false },
        google: { apiKey: KEYS.google.good, baseURL: baseURL('google', `http://127.0.0.1:${deadPort}`), retry: false },
        xai: { apiKey: KEYS.xai.faulty, baseURL: baseURL('xai'), retry: { maxRetries: 1, baseDelayMs: 5 }, rateLimit: false },
        deepseek: { apiKey: KEYS.deepseek.faulty, baseURL: baseURL('deepseek'), retry: false, timeoutMs: 100 },
        moonshot: { apiKey: KEYS.moonshot.quota, baseURL: baseURL('moonshot'), retry: false },
      },
      stream: { firstChunkTimeoutMs: 100 },
    });
    capture.watch(llm.resilience);
    const error = await failure(capture, llm.chat(ask()));
    expect(error).toBeInstanceOf(AllProvidersFailedError);
    expect((error as AllProvidersFailedError).failures.map((f) => f.provider)).toEqual(['openai', 'anthropic', 'google', 'xai', 'deepseek', 'moonshot']);
    // Out of quota now: anthropic and moonshot are skipped, and say why.
    expect(await drain(capture, llm.stream(ask()))).toBeInstanceOf(AllProvidersFailedError);
    capture.state('all failed', llm);
    capture.expectClean();
  });

  it('streams that break: an error event before content falls back, a cut after content is StreamInterruptedError', async () => {
    const capture = new Capture();
    for (const provider of PROVIDERS) {
      mock.setFaults({ stream: { cutAfterChunks: 2 } }, { key: KEYS[provider].faulty });
      const llm = client(capture, { [provider]: KEYS[provider].faulty });
      expect(await drain(capture, llm.stream(ask()))).toBeInstanceOf(StreamInterruptedError);
      mock.setFaults({ stream: { errorAfterChunks: 0 } }, { key: KEYS[provider].faulty });
      const withFallback = client(capture, { [provider]: KEYS[provider].faulty, ...(provider === 'openai' ? { google: KEYS.google.good } : { openai: KEYS.openai.good }) }, {}, { preferredModel: MODEL[provider], fallback: undefined });
      expect(await drain(capture, withFallback.stream(ask()))).toBeUndefined();
      capture.state(provider, withFallback);
    }
    capture.expectClean();
  });

  it('a key file of two lines (the key and a comment): the refused header value is not echoed', async () => {
    const capture = new Capture();
    for (const provider of PROVIDERS) {
      const llm = client(capture, { [provider]: `${KEYS[provider].good}\n# rotated 2026-01-01` }, { retry: false });
      await failure(capture, llm.chat(ask()));
      await drain(capture, llm.stream(ask()));
      capture.state(provider, llm);
    }
    capture.expectClean();
  });

  it('util.inspect(client), what console.log(client) prints, holds no key (the key is not enumerable)', () => {
    const client = new UnifiedLLMClient({ env: {}, openaiApiKey: KEYS.openai.good, anthropicApiKey: KEYS.anthropic.good });
    try {
      const printed = inspect(client, { depth: 10 });
      expect(printed).toContain('openai');
      expect(findLeaks('inspect(client)', printed)).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('option typos: the ConfigError names the option, never the key it holds', async () => {
    const capture = new Capture();
    const attempts: (() => unknown)[] = [
      () => new UnifiedLLMClient({ env: {}, openAIApiKey: KEYS.openai.good } as unknown as UnifiedLLMClientOptions),
      () => new UnifiedLLMClient({ env: {}, providers: { anthropic: { api_key: KEYS.anthropic.good } } } as unknown as UnifiedLLMClientOptions),
      () => new UnifiedLLMClient({ env: {}, providers: { gemini: { apiKey: KEYS.google.good } } } as unknown as UnifiedLLMClientOptions),
      () => new UnifiedLLMClient({ env: {}, providers: { xai: { apiKey: KEYS.xai.good, baseUrl: baseURL('xai') } } } as unknown as UnifiedLLMClientOptions),
      () => createResilience({ services: { deepseek: { apiKey: KEYS.deepseek.good } } } as never),
      () => new UnifiedLLMClient({ env: {}, moonshotApiKey: KEYS.moonshot.good, preferredModel: KEYS.moonshot.good }),
    ];
    for (const attempt of attempts) {
      let thrown: unknown;
      try {
        attempt();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      capture.error(thrown);
    }
    capture.expectClean();
  });
});

describe('resilientFetch with the official SDKs: no key in what we add', () => {
  // No limiter at all (rateLimit: false) where the test needs the provider's own 429s: a learning
  // limiter would avoid them.
  const resilienceFor = (capture: Capture, service: string, breaker = true) => {
    const resilience = createResilience({
      services: { [service]: { ...(breaker ? {} : { rateLimit: false as const }), retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1_500 }, circuitBreaker: breaker ? { failureThreshold: 3, openMs: 60_000 } : false, timeoutMs: 5_000 } },
      // These pipelines log JSON lines; the client's above log text.
      logger: capture.jsonLogger(),
    });
    capture.watch(resilience);
    return resilience;
  };

  it('openai: chat, stream, wrong key, quota, 429, 500s until open, a closed port, the SDK retry warning', async () => {
    const capture = new Capture();
    const sdk = (apiKey: string, options: { url?: string; maxRetries?: number; breaker?: boolean } = {}) => {
      const resilience = resilienceFor(capture, 'openai', options.breaker);
      const openai = new OpenAI({
        apiKey,
        baseURL: `${options.url ?? mock.url}/v1`,
        maxRetries: options.maxRetries ?? 0,
        fetch: resilientFetch({ service: 'openai', resilience, onWarning: (m) => capture.add('warning', m) }),
      });
      return { openai, resilience };
    };
    const create = (openai: OpenAI) => openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });

    const good = sdk(KEYS.openai.good);
    capture.add('completion', JSON.stringify(await create(good.openai)));
    const stream = await good.openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(await drain(capture, stream)).toBeUndefined();
    capture.state('good', good.resilience);

    const wrong = sdk(KEYS.openai.wrong);
    expect(await failure(capture, create(wrong.openai))).toBeInstanceOf(OpenAI.AuthenticationError);
    capture.state('wrong', wrong.resilience);

    const quota = sdk(KEYS.openai.quota);
    expect(await failure(capture, create(quota.openai))).toBeInstanceOf(OpenAI.RateLimitError);

    const tight = sdk(KEYS.openai.tight, { breaker: false });
    await Promise.all([create(tight.openai), create(tight.openai)]);
    expect(capture.events.some((e) => e.type === 'retry_scheduled' && e.fromRetryAfter)).toBe(true);

    mock.setFaults({ errorRates: { '500': 1 } }, { key: KEYS.openai.faulty });
    const faulty = sdk(KEYS.openai.faulty);
    expect(await failure(capture, create(faulty.openai))).toBeInstanceOf(OpenAI.InternalServerError);
    const open = await failure(capture, create(faulty.openai));
    expect(open).toBeInstanceOf(OpenAI.APIConnectionError);
    expect((open as Error).cause).toBeInstanceOf(CircuitBreakerError);
    capture.state('faulty', faulty.resilience);

    const closed = sdk(KEYS.openai.good, { url: `http://127.0.0.1:${deadPort}` });
    expect(await failure(capture, create(closed.openai))).toBeInstanceOf(OpenAI.APIConnectionError);
    capture.state('closed', closed.resilience);

    const retrying = sdk(KEYS.openai.faulty, { maxRetries: 1, breaker: false });
    await failure(capture, create(retrying.openai));
    expect(capture.texts.some((t) => t.source === 'warning' && t.text.includes('maxRetries: 0'))).toBe(true);
    capture.expectClean();
  });

  it('anthropic: message, stream, wrong key, credit balance, 429, 500s until open, a closed port', async () => {
    const capture = new Capture();
    const sdk = (apiKey: string, options: { url?: string; breaker?: boolean } = {}) => {
      const resilience = resilienceFor(capture, 'anthropic', options.breaker);
      const anthropic = new Anthropic({ apiKey, baseURL: options.url ?? mock.url, maxRetries: 0, fetch: resilientFetch({ service: 'anthropic', resilience }) });
      return { anthropic, resilience };
    };
    const create = (anthropic: Anthropic) => anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });

    const good = sdk(KEYS.anthropic.good);
    capture.add('message', JSON.stringify(await create(good.anthropic)));
    const stream = await good.anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(await drain(capture, stream)).toBeUndefined();
    capture.state('good', good.resilience);

    expect(await failure(capture, create(sdk(KEYS.anthropic.wrong).anthropic))).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(await failure(capture, create(sdk(KEYS.anthropic.quota).anthropic))).toBeInstanceOf(Anthropic.APIError);

    const tight = sdk(KEYS.anthropic.tight, { breaker: false });
    await Promise.all([create(tight.anthropic), create(tight.anthropic)]);
    expect(capture.events.some((e) => e.type === 'retry_scheduled' && e.fromRetryAfter)).toBe(true);

    mock.setFaults({ errorRates: { '500': 1 } }, { key: KEYS.anthropic.faulty });
    const faulty = sdk(KEYS.anthropic.faulty);
    expect(await failure(capture, create(faulty.anthropic))).toBeInstanceOf(Anthropic.InternalServerError);
    expect(await failure(capture, create(faulty.anthropic))).toBeInstanceOf(Anthropic.APIConnectionError);
    capture.state('faulty', faulty.resilience);

    const closed = sdk(KEYS.anthropic.good, { url: `http://127.0.0.1:${deadPort}` });
    expect(await failure(capture, create(closed.anthropic))).toBeInstanceOf(Anthropic.APIConnectionError);
    capture.state('closed', closed.resilience);
    capture.expectClean();
  });
});

describe("configuration: OMEGA_REDIS_URL's password", () => {
  const redisURL = (scheme: string, port = 6390) => `${scheme}://default:${REDIS_PASSWORD}@127.0.0.1:${port}/0`;
  const streams = () => {
    const out: string[] = [];
    const err: string[] = [];
    const sink = (into: string[]) => ({ write: (t: string) => into.push(t) }) as unknown as typeof process.stdout;
    return { out, err, outStream: sink(out), errStream: sink(err) as unknown as typeof process.stderr };
  };

  it('check-config prints the URL with its password masked, valid or not', () => {
    const capture = new Capture();
    for (const url of [redisURL('redis'), redisURL('rediss'), redisURL('http'), `redis:/default:${REDIS_PASSWORD}@127.0.0.1`]) {
      const io = streams();
      const code = runCheckConfig([], { OMEGA_REDIS_URL: url }, io.outStream, io.errStream);
      capture.add(`check-config ${code} stdout`, io.out.join(''));
      capture.add(`check-config ${code} stderr`, io.err.join(''));
      expect(io.out.join('') + io.err.join('')).toContain('redis');
    }
    expect(capture.texts.some((t) => t.text.includes('default:***@'))).toBe(true);
    capture.expectClean();
  });

  it("loadConfig's errors for a bad URL hold no password", () => {
    const capture = new Capture();
    for (const url of [redisURL('http'), redisURL('redis').replace('redis:', 'redis')]) {
      try {
        loadConfig({ env: { OMEGA_REDIS_URL: url } });
        throw new Error(`expected ${url} to be refused`);
      } catch (error) {
        capture.error(error);
        expect(error).toBeInstanceOf(ResilienceError);
      }
    }
    capture.expectClean();
  });

  it('a client from configuration with an unreachable Redis: the JSON log lines hold no password', async () => {
    const capture = new Capture();
    for (const level of ['debug', 'info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation((...args: unknown[]) => capture.add(`console.${level}`, args.map(String).join(' ')));
    const port = await closedPort();
    const env = { OMEGA_REDIS_URL: redisURL('redis', port), OMEGA_LOG_FORMAT: 'json', OMEGA_REDIS_TIMEOUT_SECONDS: '0.05' };
    const configured = await createClientFromConfig({ env, path: undefined, client: { providers: { openai: { apiKey: KEYS.openai.good, baseURL: baseURL('openai') } }, preferredModel: 'gpt-4o-mini' } });
    try {
      capture.watch(configured.client.resilience);
      capture.add('reply', JSON.stringify(await configured.client.chat(ask())));
      capture.state('configured', configured.client);
    } finally {
      configured.close();
    }
    expect(capture.events.some((e) => e.type === 'store_unavailable')).toBe(true);
    expect(capture.texts.some((t) => t.source.startsWith('console.'))).toBe(true);
    capture.expectClean();
  });
});
