import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMockCommand } from '../../src/cli/mock-command.js';
import type { MockServer } from '../../src/mock/index.js';

/** Runs the command in process until `use` is done with the server, and returns what it printed. */
async function run(args: string[], use: (server: MockServer) => Promise<void> = async () => {}) {
  let out = '';
  let err = '';
  const controller = new AbortController();
  let usage: Promise<void> = Promise.resolve();
  const code = await runMockCommand(args, {
    stdout: (text) => (out += text),
    stderr: (text) => (err += text),
    signal: controller.signal,
    onListening: (server) => {
      usage = use(server).finally(() => controller.abort());
    },
  });
  await usage;
  return { code, out, err };
}

describe('llm-resilience mock (the command)', () => {
  it('serves the default keys on an ephemeral port, prints the URL, and stops cleanly', async () => {
    let status = 0;
    const result = await run([], async (server) => {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-mock-openai' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      status = response.status;
      await response.text();
    });
    expect(result.code).toBe(0);
    expect(status).toBe(200);
    expect(result.out).toMatch(/^llm-resilience mock listening on http:\/\/127\.0\.0\.1:\d+\n/);
    for (const key of ['sk-mock-openai', 'sk-mock-anthropic', 'sk-mock-google', 'sk-mock-xai', 'sk-mock-deepseek', 'sk-mock-moonshot']) expect(result.out).toContain(key);
    expect(result.out).toContain('stopped');
  });

  it('takes --config, --port and --seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mock-command-'));
    const file = join(dir, 'mock.json');
    writeFileSync(file, JSON.stringify({ keys: { 'sk-only': { provider: 'anthropic', limits: { requestsPerMinute: 5 } } } }));
    let keys: string[] = [];
    const result = await run(['--config', file, '--seed', '42', '--port=0'], async (server) => {
      keys = Object.keys(server.keys);
    });
    expect(result.code).toBe(0);
    expect(keys).toEqual(['sk-only']);
  });

  it('refuses a non-loopback host, an unknown flag and a bad config field with exit code 2', async () => {
    const host = await run(['--host', '0.0.0.0']);
    expect(host.code).toBe(2);
    expect(host.err).toContain('loopback only');
    const flag = await run(['--prot', '8080']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('--prot');
    const dir = mkdtempSync(join(tmpdir(), 'mock-command-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ keys: { k: { provider: 'openai', limits: { requestsPerMinute: 'lots' } } } }));
    const config = await run(['--config', file]);
    expect(config.code).toBe(2);
    expect(config.err).toContain('keys.k.limits.requestsPerMinute');
    expect((await run(['--config', join(dir, 'missing.json')])).err).toContain('cannot read');
  });

  it('prints its usage with --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Usage: llm-resilience mock');
  });
});
