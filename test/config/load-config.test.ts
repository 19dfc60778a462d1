/** Loading the configuration: defaults < file < environment, sources, the shipped example, YAML safety. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, loadConfig, MAX_CONFIG_CHARS, parseConfigYaml, resolveConfig } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'llmr-config-'));
let files = 0;
function file(text: string): string {
  const path = join(dir, `config-${++files}.yaml`);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it("without a file, every default is the seeds' own", () => {
    const { config, file: read } = loadConfig({ path: undefined, env: {} });
    expect(read === undefined || read === 'config/resilience.yaml').toBe(true);
    const defaults = resolveConfig({ file: {}, fileName: 'defaults', env: {} }).config;
    expect(defaults.circuit_breaker).toMatchObject({ enabled: true, failure_threshold: 5, success_threshold: 2, timeout_seconds: 60, half_open_max_calls: 3 });
    expect(defaults.backoff).toMatchObject({ base_delay: 1, max_delay: 60, exponential_base: 2, jitter: true });
    expect(defaults.resilience.max_retries).toBe(3);
    expect(defaults.redis).toMatchObject({ prefix: 'llmr', timeout_seconds: 0.25, fail_mode: 'local' });
    expect(config.rate_limiting.enabled).toBe(true);
  });

  it('the shipped config/resilience.yaml is valid and says what the seeds say', () => {
    const { config, sources } = loadConfig({ path: 'config/resilience.yaml', env: {} });
    expect(config.rate_limiting.openai).toEqual({ max_requests_per_minute: 60, max_tokens_per_minute: 90000, max_concurrent_requests: 10 });
    expect(sources.get('rate_limiting.openai.max_requests_per_minute')).toBe('config/resilience.yaml');
  });

  it('the environment overrides the file, and says which variable set what', () => {
    const path = file('rate_limiting:\n  openai:\n    max_requests_per_minute: 60\n    max_tokens_per_minute: 90000\ncircuit_breaker:\n  failure_threshold: 5\n');
    const { config, sources } = loadConfig({ path, env: { OMEGA_OPENAI_MAX_RPM: '30', OMEGA_CIRCUIT_FAILURE_THRESHOLD: '10', OMEGA_CIRCUIT_BREAKER_ENABLED: 'false' } });
    expect(config.rate_limiting.openai?.max_requests_per_minute).toBe(30);
    expect(config.rate_limiting.openai?.max_tokens_per_minute).toBe(90000);
    expect(config.circuit_breaker).toMatchObject({ failure_threshold: 10, enabled: false });
    expect(sources.get('rate_limiting.openai.max_requests_per_minute')).toBe('env OMEGA_OPENAI_MAX_RPM');
    expect(sources.get('rate_limiting.openai.max_tokens_per_minute')).toBe(path);
  });

  it('OMEGA_<PROVIDER>_MAX_TPM wins over <PROVIDER>_TPM_LIMIT, which sets the limit alone', () => {
    const both = resolveConfig({ file: {}, fileName: 'f', env: { OPENAI_TPM_LIMIT: '3000', OMEGA_OPENAI_MAX_TPM: '90000', XAI_TPM_LIMIT: '1500' } });
    expect(both.config.rate_limiting.openai?.max_tokens_per_minute).toBe(90000);
    expect(both.sources.get('rate_limiting.openai.max_tokens_per_minute')).toBe('env OMEGA_OPENAI_MAX_TPM');
    expect(both.config.rate_limiting.xai?.max_tokens_per_minute).toBe(1500);
  });

  it('redis settings come from the file or OMEGA_REDIS_*', () => {
    const { config } = resolveConfig({ file: { redis: { prefix: 'app', fail_mode: 'closed' } }, fileName: 'f', env: { OMEGA_REDIS_URL: 'redis://127.0.0.1:6379', OMEGA_REDIS_TIMEOUT_SECONDS: '0.5' } });
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', prefix: 'app', fail_mode: 'closed', timeout_seconds: 0.5 });
  });
});

describe('a configuration file is data', () => {
  it('refuses keys that could reach a prototype, at any depth', () => {
    for (const text of ['__proto__:\n  polluted: true\n', 'rate_limiting:\n  constructor:\n    prototype: 1\n']) {
      const parsed = parseConfigYaml(text, 'f');
      expect(parsed.ok).toBe(false);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses tags that would construct objects, duplicate keys, and alias bombs', () => {
    expect(parseConfigYaml('a: !!js/function "function () {}"\n', 'f').ok).toBe(false);
    expect(parseConfigYaml('a: !custom 1\n', 'f').ok).toBe(false);
    expect(parseConfigYaml('a: 1\na: 2\n', 'f').ok).toBe(false);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    expect(parseConfigYaml(bomb, 'f').ok).toBe(false);
  });

  it('refuses a file over the size limit without parsing it', () => {
    const parsed = parseConfigYaml(`# ${'x'.repeat(MAX_CONFIG_CHARS)}\n`, 'f');
    expect(parsed).toMatchObject({ ok: false, issues: [{ expected: expect.stringContaining('at most') as unknown }] });
  });

  it('an unreadable file is one clear problem', () => {
    const error = (() => {
      try {
        loadConfig({ path: join(dir, 'missing.yaml'), env: {} });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).message).toContain('ENOENT');
  });
});
