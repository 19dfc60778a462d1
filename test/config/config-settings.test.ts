/**
 * One test per setting: each environment variable (and the YAML-only settings) changes the
 * behaviour it names, observed through real calls to the mock provider over HTTP, in small real
 * time (tens to hundreds of milliseconds).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClientFromConfig, type ConfiguredClient } from '../../src/config/index.js';
import { classifyError } from '../../src/core/classify.js';
import { AttemptTimeoutError } from '../../src/core/errors.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';

let mock: MockServer | undefined;
const clients: ConfiguredClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await mock?.close();
  mock = undefined;
  vi.restoreAllMocks();
});

const dir = mkdtempSync(join(tmpdir(), 'llmr-settings-'));
let files = 0;
const hello = { messages: [{ role: 'user' as const, content: 'hello' }], maxTokens: 5 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client from `yaml` + `env` against the mock (OpenAI key `sk-o`, Anthropic key `sk-a`). */
async function client(options: { yaml?: string; env?: Record<string, string>; latencyMs?: number } = {}): Promise<ConfiguredClient> {
  const latency = options.latencyMs ? { timeToFirstTokenMs: { kind: 'fixed' as const, ms: options.latencyMs } } : undefined;
  mock ??= await startMockServer({ keys: { 'sk-o': { provider: 'openai', outputTokens: 3, latency }, 'sk-a': { provider: 'anthropic', outputTokens: 3, latency } } });
  const path = join(dir, `settings-${++files}.yaml`);
  writeFileSync(path, options.yaml ?? '');
  const configured = await createClientFromConfig({
    path,
    env: { OPENAI_API_KEY: 'sk-o', OMEGA_LOG_LEVEL: 'error', ...options.env },
    client: { providers: { openai: { baseURL: `${mock.url}/v1` }, anthropic: { baseURL: `${mock.url}/v1` } } },
  });
  clients.push(configured);
  return configured;
}

const received = (key = 'sk-o') => mock!.ledger(key).received;
const failAll = (key = 'sk-o') => mock!.setFaults({ errorRates: { '500': 1 } }, { key });

describe('circuit breaker settings', () => {
  it('OMEGA_CIRCUIT_TIMEOUT_SECONDS: the circuit probes again after that long, not before', async () => {
    const { client: llm } = await client({ env: { OMEGA_CIRCUIT_FAILURE_THRESHOLD: '1', OMEGA_CIRCUIT_TIMEOUT_SECONDS: '0.3', OMEGA_MAX_RETRIES: '0' } });
    failAll();
    await expect(llm.chat(hello)).rejects.toThrow();
    await expect(llm.chat(hello)).rejects.toSatisfy((e) => classifyError(e) === 'circuit_open');
    expect(received()).toBe(1);
    await sleep(350);
    await expect(llm.chat(hello)).rejects.toThrow();
    expect(received()).toBe(2);
  });

  it('OMEGA_CIRCUIT_SUCCESS_THRESHOLD: successes needed to close a half-open circuit', async () => {
    const { client: llm } = await client({ env: { OMEGA_CIRCUIT_FAILURE_THRESHOLD: '1', OMEGA_CIRCUIT_TIMEOUT_SECONDS: '0.1', OMEGA_CIRCUIT_SUCCESS_THRESHOLD: '2', OMEGA_MAX_RETRIES: '0' } });
    failAll();
    await expect(llm.chat(hello)).rejects.toThrow();
    mock!.clearFaults();
    await sleep(150);
    await llm.chat(hello);
    expect(llm.getHealthStatus().services.openai?.circuitState).toBe('half_open');
    await llm.chat(hello);
    expect(llm.getHealthStatus().services.openai?.circuitState).toBe('closed');
  });

  it('half_open_max_calls (YAML): probes in flight at once while half-open', async () => {
    const { client: llm } = await client({
      yaml: 'circuit_breaker:\n  failure_threshold: 1\n  timeout_seconds: 0.1\n  half_open_max_calls: 1\nresilience:\n  max_retries: 0\n',
      latencyMs: 100,
    });
    failAll();
    await expect(llm.chat(hello)).rejects.toThrow();
    mock!.clearFaults();
    await sleep(150);
    const outcomes = await Promise.allSettled([llm.chat(hello), llm.chat(hello), llm.chat(hello)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(received()).toBe(2);
  });
});

describe('rate limiting settings', () => {
  it('OMEGA_RATE_LIMITING_ENABLED=false: a 1-per-minute limit holds nothing', async () => {
    const { client: llm } = await client({ env: { OMEGA_RATE_LIMITING_ENABLED: 'false', OMEGA_OPENAI_MAX_RPM: '1' } });
    for (let i = 0; i < 3; i++) await llm.chat({ ...hello, deadlineMs: 300 });
    expect(received()).toBe(3);
  });

  it('OPENAI_TPM_LIMIT holds tokens per minute; OMEGA_OPENAI_MAX_TPM wins over it', async () => {
    const low = await client({ env: { OPENAI_TPM_LIMIT: '300' } });
    await low.client.chat({ ...hello, maxTokens: 200 });
    await expect(low.client.chat({ ...hello, maxTokens: 200, deadlineMs: 300 })).rejects.toThrow(/tokensPerMinute/);
    const both = await client({ env: { OPENAI_TPM_LIMIT: '300', OMEGA_OPENAI_MAX_TPM: '100000' } });
    await both.client.chat({ ...hello, maxTokens: 200 });
    await both.client.chat({ ...hello, maxTokens: 200, deadlineMs: 300 });
  });

  it('OMEGA_OPENAI_MAX_CONCURRENT: never more calls in flight at the provider', async () => {
    const { client: llm } = await client({ env: { OMEGA_OPENAI_MAX_CONCURRENT: '1' }, latencyMs: 60 });
    await Promise.all([llm.chat(hello), llm.chat(hello), llm.chat(hello)]);
    expect(mock!.ledger('sk-o').peakConcurrency).toBe(1);
  });

  it('max_output_tokens_per_minute (YAML): the reservation of one call holds the next', async () => {
    const { client: llm } = await client({ yaml: 'rate_limiting:\n  anthropic:\n    max_output_tokens_per_minute: 300\n', env: { ANTHROPIC_API_KEY: 'sk-a', OPENAI_API_KEY: '' } });
    // Anthropic refunds unused output: two at once, the second is held by the first's reservation.
    const claude = { ...hello, model: 'claude-3-5-haiku-latest', maxTokens: 200, deadlineMs: 300 };
    const both = await Promise.allSettled([llm.chat(claude), llm.chat(claude)]);
    expect(both.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(String((both.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/outputTokensPerMinute/);
    expect(received('sk-a')).toBe(1);
  });

  it('max_requests_per_day (YAML): the third request of a 2-per-day key is refused at once', async () => {
    const { client: llm } = await client({ yaml: 'rate_limiting:\n  openai:\n    max_requests_per_day: 2\n' });
    await llm.chat(hello);
    await llm.chat(hello);
    const started = performance.now();
    await expect(llm.chat(hello)).rejects.toThrow(/requestsPerDay/);
    expect(performance.now() - started).toBeLessThan(250);
    expect(received()).toBe(2);
  });
  it('max_wait_seconds (YAML): a request waits for a slot no longer than that', async () => {
    const short = await client({ yaml: 'rate_limiting:\n  openai:\n    max_concurrent_requests: 1\n    max_wait_seconds: 0.1\n', latencyMs: 300 });
    const outcomes = await Promise.allSettled([short.client.chat(hello), short.client.chat(hello)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(String((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/maxConcurrent/);
    const long = await client({ yaml: 'rate_limiting:\n  openai:\n    max_concurrent_requests: 1\n    max_wait_seconds: 5\n', latencyMs: 300 });
    await Promise.all([long.client.chat(hello), long.client.chat(hello)]);
  });
});

describe('retry and backoff settings', () => {
  it('OMEGA_BACKOFF_BASE_DELAY: the first retry waits that long (jitter off in YAML)', async () => {
    const { client: llm } = await client({ yaml: 'backoff:\n  jitter: false\n', env: { OMEGA_BACKOFF_BASE_DELAY: '0.25', OMEGA_MAX_RETRIES: '1', OMEGA_CIRCUIT_BREAKER_ENABLED: 'false' } });
    failAll();
    const started = performance.now();
    await expect(llm.chat(hello)).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    expect(received()).toBe(2);
  });

  it('OMEGA_BACKOFF_MAX_DELAY caps every delay; exponential_base (YAML) multiplies them', async () => {
    const { client: llm } = await client({ yaml: 'backoff:\n  jitter: none\n  base_delay: 1\n  exponential_base: 3\n', env: { OMEGA_BACKOFF_MAX_DELAY: '0.05', OMEGA_MAX_RETRIES: '2', OMEGA_CIRCUIT_BREAKER_ENABLED: 'false' } });
    failAll();
    const started = performance.now();
    await expect(llm.chat(hello)).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(500);
    expect(received()).toBe(3);
  });

  it('fallback_order and preferred_model (YAML): the next provider serves when the first fails', async () => {
    const { client: llm } = await client({ yaml: 'resilience:\n  preferred_model: gpt-4o-mini\n  fallback_order: [anthropic]\n  max_retries: 0\n', env: { ANTHROPIC_API_KEY: 'sk-a' } });
    failAll('sk-o');
    const reply = await llm.chat(hello);
    expect(reply.provider).toBe('anthropic');
    expect([received('sk-o'), received('sk-a')]).toEqual([1, 1]);
  });

  it('attempt_timeout_seconds (YAML): an attempt longer than that fails as a timeout', async () => {
    const { client: llm } = await client({ yaml: 'resilience:\n  attempt_timeout_seconds: 0.1\n  max_retries: 0\n', latencyMs: 1_000 });
    await expect(llm.chat(hello)).rejects.toBeInstanceOf(AttemptTimeoutError);
  });
});

describe('logging settings', () => {
  it('OMEGA_LOG_LEVEL: lines below the level are not printed', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { client: llm } = await client({ env: { OMEGA_LOG_LEVEL: 'warn', OMEGA_MAX_RETRIES: '1', OMEGA_BACKOFF_BASE_DELAY: '0.01' } });
    failAll();
    await expect(llm.chat(hello)).rejects.toThrow();
    expect(info.mock.calls.flat().join('\n')).not.toMatch(/Backing off/);
    expect(warn.mock.calls.flat().join('\n')).toMatch(/failed on attempt 1\/2/);
  });

  it('OMEGA_LOG_FORMAT=json: one JSON object per line', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { client: llm } = await client({ env: { OMEGA_LOG_LEVEL: 'warn', OMEGA_LOG_FORMAT: 'json', OMEGA_MAX_RETRIES: '0' } });
    failAll();
    await expect(llm.chat(hello)).rejects.toThrow();
    const lines = warn.mock.calls.map((call) => String(call[0]));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: 'warn' });
  });
});
