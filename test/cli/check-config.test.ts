/** `llm-resilience check-config [file]`: the merged configuration with sources, secrets masked; every problem; exit 0 / 1. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFixture } from '../run-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'llmr-check-'));

describe('llm-resilience check-config', () => {
  it('prints the merged configuration with the source of each value, the Redis password masked, and exits 0', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'rate_limiting:\n  openai:\n    max_requests_per_minute: 60\n');
    const result = await runFixture('../src/cli/main.ts', {
      args: ['check-config', file],
      env: { OMEGA_OPENAI_MAX_TPM: '90000', OMEGA_REDIS_URL: 'redis://app:s3cret-pass@127.0.0.1:6379', CI: '' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`max_requests_per_minute: 60   # ${file}`);
    expect(result.stdout).toContain('max_tokens_per_minute: 90000   # env OMEGA_OPENAI_MAX_TPM');
    expect(result.stdout).toContain('failure_threshold: 5   # default');
    expect(result.stdout).toContain('redis://app:***@127.0.0.1:6379');
    expect(result.stdout + result.stderr).not.toContain('s3cret-pass');
  }, 30_000);

  it('lists every problem with its path, value and source, and exits 1', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'circuit_breaker:\n  failure_threshold: 0\nrate_limiting:\n  openai:\n    max_request_per_minute: 60\n');
    const result = await runFixture('../src/cli/main.ts', { args: ['check-config', file], env: { OMEGA_MAX_RETRIES: 'three' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid configuration (3 problems)');
    expect(result.stderr).toContain(`circuit_breaker.failure_threshold: 0 (from ${file}): expected a number > 0`);
    expect(result.stderr).toContain('rate_limiting.openai.max_request_per_minute: 60');
    expect(result.stderr).toContain('resilience.max_retries: "three" (from env OMEGA_MAX_RETRIES): expected a number');
  }, 30_000);
});
