/**
 * Nothing secret leaves through the dashboard: a client with a real-looking key whose provider
 * quotes that key in its errors, an event and a health issue quoting it raw, and a title holding
 * it; the page, the snapshot and the stream are searched for the key and any 12 characters of it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import type { FetchLike } from '../../src/providers/transport.js';
import { type DashboardSnapshot, dashboardHandler } from '../../src/http/index.js';
import { closeServers, serve, SseReader } from './harness.js';

afterEach(closeServers);

const SECRET = `sk-proj-${'Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0h'}`;

/** Every 12-character piece of the secret's random part. */
function leaks(text: string): string[] {
  const random = SECRET.slice('sk-proj-'.length);
  const found: string[] = [];
  for (let i = 0; i + 12 <= random.length; i++) if (text.includes(random.slice(i, i + 12))) found.push(random.slice(i, i + 12));
  return found;
}

describe('dashboard: no secret on the page, in the snapshot or in the stream', () => {
  it('masks a key quoted by provider errors, events, health issues and the title', async () => {
    expect(SECRET).toHaveLength(48);
    // A provider that quotes the key back, as OpenAI's 401 does ("Incorrect API key provided: ...").
    const provider: FetchLike = async (_url, init) => {
      const key = init.headers.authorization?.replace(/^Bearer /, '') ?? '';
      const body = { error: { message: `Upstream failure for key ${key} (Bearer ${key})`, type: 'server_error' } };
      return new Response(JSON.stringify(body), { status: 500, headers: { 'content-type': 'application/json' } });
    };
    const llm = new UnifiedLLMClient({
      env: {},
      fetch: provider,
      providers: { openai: { apiKey: SECRET, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 }, circuitBreaker: { failureThreshold: 2, openMs: 60_000 } } },
    });
    const handler = llm.dashboardHandler({ title: `ops for ${SECRET}`, intervalMs: 100 });
    const url = await serve(handler);
    await expect(llm.chat({ messages: [{ role: 'user', content: 'ping' }], maxTokens: 8 })).rejects.toThrow();
    // Raw, as a third-party emitter might send it: the dashboard masks it itself.
    llm.events.emit({ type: 'attempt_failed', service: 'openai', at: 0, attempt: 1, maxAttempts: 1, kind: 'auth', message: `Incorrect API key provided: ${SECRET}` });
    llm.events.emit({ type: 'quota_exhausted', service: 'openai', at: 0, attempt: 1, maxAttempts: 1, message: `key=${SECRET} is out of quota` });
    const health = llm.getHealthStatus();
    vi.spyOn(llm, 'getHealthStatus').mockImplementation(() => ({ ...health, issues: [...health.issues, `store auth failed for ${SECRET}`] }));

    const page = await (await fetch(`${url}/dashboard`)).text();
    const json = await (await fetch(`${url}/dashboard/snapshot`)).text();
    const stream = await SseReader.open(`${url}/dashboard/events`);
    await stream.nextSnapshot();
    await stream.nextSnapshot();
    stream.close();

    for (const [where, text] of [['page', page], ['snapshot', json], ['stream', stream.raw]] as const) {
      expect(leaks(text), where).toEqual([]);
      expect(text, where).toContain('sk-proj-***');
    }
    // The errors themselves are still there to read, masked.
    const snapshot = JSON.parse(json) as DashboardSnapshot;
    expect(snapshot.recentErrors.map((e) => e.kind)).toEqual(['quota_exhausted', 'auth', 'server_error', 'server_error']);
    expect(snapshot.recentErrors[1]!.message).toBe('Incorrect API key provided: sk-proj-***');
    expect(snapshot.services[0]!.breaker!.state).toBe('open');
    handler.close();
    llm.close();
  });

  it('dashboardHandler() from llm-resilience/http serves the same for a client', async () => {
    const llm = new UnifiedLLMClient({ env: {}, fetch: () => Promise.reject(new Error(`connect ECONNREFUSED for ${SECRET}`)), providers: { openai: { apiKey: SECRET, retry: false } } });
    const handler = dashboardHandler(llm);
    const url = await serve(handler);
    await expect(llm.chat({ messages: [{ role: 'user', content: 'ping' }] })).rejects.toThrow();
    const text = await (await fetch(`${url}/dashboard/snapshot`)).text();
    expect(leaks(text)).toEqual([]);
    expect((JSON.parse(text) as DashboardSnapshot).recentErrors[0]!.kind).toBe('network');
    handler.close();
    llm.close();
  });
});
