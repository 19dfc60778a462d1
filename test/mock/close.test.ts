import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../src/mock/index.js';
import { runFixture } from '../run-fixture.js';
import { openaiChat, waitFor } from './helpers.js';

describe('mock close(): nothing is left behind', () => {
  it('a process that used every resource-holding path exits by itself after close()', async () => {
    const result = await runFixture('./mock/fixtures/mock-then-close.ts', { timeoutMs: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { outcomes: string[]; inFlight: number; resources: string[] };
    // The hanging, held and slow requests were in progress when the server closed; close() ended them.
    expect(output.inFlight).toBe(3);
    expect(output.outcomes).toEqual(['dropped', 'dropped', 'dropped']);
    expect(output.resources.filter((r) => r === 'TCPServerWrap' || r === 'Timeout')).toEqual([]);
  }, 30_000);

  it('close() is quick with requests in flight, idempotent, and stops accepting connections', async () => {
    const mock = await startMockServer({ keys: { hang: { provider: 'openai', faults: { outages: [{ mode: 'hang' }] } } } });
    const pending = openaiChat(mock, 'hang', {}).then(
      () => 'answered',
      () => 'dropped',
    );
    await waitFor(() => mock.ledger('hang').received === 1);
    const started = performance.now();
    await Promise.all([mock.close(), mock.close()]);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('dropped');
    await expect(fetch(`${mock.url}/v1/models`)).rejects.toThrow();
  });
});
