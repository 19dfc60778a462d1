/**
 * The configuration changes the behaviour it names, observed through real calls to the mock
 * provider over HTTP (not through the parsed object): the seeds' variables and the redis section.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createClientFromConfig, type ConfiguredClient } from '../../src/config/index.js';
import { classifyError } from '../../src/core/classify.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';
import { deleteKeys, newClient, redisUp, uniquePrefix } from '../redis/redis-harness.js';

let mock: MockServer | undefined;
const clients: ConfiguredClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await mock?.close();
  mock = undefined;
});

const hello = { messages: [{ role: 'user' as const, content: 'hello' }], maxTokens: 5 };

async function client(env: Record<string, string>): Promise<ConfiguredClient> {
  mock ??= await startMockServer({ keys: { 'sk-config': { provider: 'openai', outputTokens: 3 } } });
  const configured = await createClientFromConfig({
    path: 'config/resilience.yaml',
    env: { OPENAI_API_KEY: 'sk-config', OMEGA_LOG_LEVEL: 'error', ...env },
    // Code wins over the configuration: a silent logger keeps the test output clean.
    client: { providers: { openai: { baseURL: `${mock.url}/v1` } }, logger: { debug() {}, info() {}, warn() {}, error() {} } },
  });
  clients.push(configured);
  return configured;
}

describe('configuration, observed through behaviour', () => {
  it('OMEGA_OPENAI_MAX_RPM holds the third request of a 2-per-minute key', async () => {
    const { client: llm } = await client({ OMEGA_OPENAI_MAX_RPM: '2' });
    await llm.chat(hello);
    await llm.chat(hello);
    const started = performance.now();
    await expect(llm.chat({ ...hello, deadlineMs: 300 })).rejects.toThrow(/requestsPerMinute/);
    expect(performance.now() - started).toBeLessThan(250);
    expect(mock!.ledger('sk-config').received).toBe(2);
  });

  it('OMEGA_CIRCUIT_FAILURE_THRESHOLD opens the circuit after that many failures; OMEGA_MAX_RETRIES=0 tries once', async () => {
    const { client: llm } = await client({ OMEGA_CIRCUIT_FAILURE_THRESHOLD: '2', OMEGA_MAX_RETRIES: '0' });
    mock!.setFaults({ errorRates: { '500': 1 } }, { key: 'sk-config' });
    await expect(llm.chat(hello)).rejects.toThrow();
    expect(mock!.ledger('sk-config').received).toBe(1);
    await expect(llm.chat(hello)).rejects.toThrow();
    // Open: refused without a call to the provider.
    await expect(llm.chat(hello)).rejects.toSatisfy((error) => classifyError(error) === 'circuit_open');
    expect(mock!.ledger('sk-config').received).toBe(2);
  });

  it('OMEGA_CIRCUIT_BREAKER_ENABLED=false never opens', async () => {
    const { client: llm } = await client({ OMEGA_CIRCUIT_BREAKER_ENABLED: 'false', OMEGA_MAX_RETRIES: '0' });
    mock!.setFaults({ errorRates: { '500': 1 } }, { key: 'sk-config' });
    for (let i = 0; i < 7; i++) await expect(llm.chat(hello)).rejects.toSatisfy((error) => classifyError(error) !== 'circuit_open');
    expect(mock!.ledger('sk-config').received).toBe(7);
  });

  it.skipIf(!redisUp)('OMEGA_REDIS_URL shares the limits of two clients (two processes) through Redis', async () => {
    const prefix = uniquePrefix();
    const env = { OMEGA_OPENAI_MAX_RPM: '3', OMEGA_REDIS_URL: 'redis://127.0.0.1:6379', OMEGA_REDIS_PREFIX: prefix };
    const a = await client(env);
    const b = await client(env);
    try {
      for (let i = 0; i < 3; i++) await a.client.chat(hello);
      // Alone, b would have three requests of its own; shared, the budget is spent.
      await expect(b.client.chat({ ...hello, deadlineMs: 300 })).rejects.toThrow(/requestsPerMinute/);
      expect(b.client.getResilienceStats().rateLimiters['openai/gpt-4o-mini']?.store).toMatchObject({ mode: 'shared', healthy: true });
    } finally {
      const admin = newClient();
      await deleteKeys(admin, prefix);
      admin.disconnect();
    }
  });

  it.skipIf(!redisUp)('OMEGA_REDIS_PREFIX names the keys; OMEGA_CIRCUIT_SHARED publishes an open circuit to Redis', async () => {
    const prefix = uniquePrefix();
    const admin = newClient();
    try {
      const { client: llm } = await client({ OMEGA_REDIS_URL: 'redis://127.0.0.1:6379', OMEGA_REDIS_PREFIX: prefix, OMEGA_CIRCUIT_SHARED: 'true', OMEGA_CIRCUIT_FAILURE_THRESHOLD: '1', OMEGA_MAX_RETRIES: '0' });
      await llm.chat(hello);
      // OpenAI limits per model: the limiter (and its keys) are the model's, `openai/<model>`.
      expect(await admin.keys(`${prefix}:{openai/gpt-4o-mini}:*`)).toContain(`${prefix}:{openai/gpt-4o-mini}:tat`);
      mock!.setFaults({ errorRates: { '500': 1 } }, { key: 'sk-config' });
      await expect(llm.chat(hello)).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await admin.keys(`${prefix}:{openai}:breaker:*`)).length).toBeGreaterThan(0);
    } finally {
      await deleteKeys(admin, prefix);
      admin.disconnect();
    }
  });

  it('OMEGA_REDIS_FAIL_MODE=closed: with Redis unreachable, calls fail with a store error, never a rate limit', async () => {
    const { client: llm } = await client({ OMEGA_REDIS_URL: 'redis://127.0.0.1:1', OMEGA_REDIS_FAIL_MODE: 'closed', OMEGA_REDIS_TIMEOUT_SECONDS: '0.1' });
    const error = await llm.chat(hello).catch((e: unknown) => e);
    expect(classifyError(error)).toBe('store');
    expect(mock!.ledger('sk-config').received).toBe(0);
  });

  it('OMEGA_REDIS_LOCAL_SHARE and OMEGA_REDIS_TIMEOUT_SECONDS: Redis unreachable, the local limiter holds that share, quickly', async () => {
    const { client: llm } = await client({ OMEGA_REDIS_URL: 'redis://127.0.0.1:1', OMEGA_REDIS_LOCAL_SHARE: '0.5', OMEGA_REDIS_TIMEOUT_SECONDS: '0.1', OMEGA_OPENAI_MAX_RPM: '4' });
    const started = performance.now();
    await llm.chat(hello);
    expect(performance.now() - started).toBeLessThan(1_000);
    await llm.chat(hello);
    await expect(llm.chat({ ...hello, deadlineMs: 300 })).rejects.toThrow(/requestsPerMinute/);
    expect(llm.getHealthStatus().status).toBe('degraded');
  });
});
