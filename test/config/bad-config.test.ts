/** Twenty bad configurations, each with the precise message it must give (path, value, source, what is valid). */
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, parseConfigYaml, resolveConfig } from '../../src/config/index.js';

interface Case {
  name: string;
  yaml?: string;
  env?: Record<string, string>;
  /** Every problem expected, as text each message must contain. */
  expected: string[];
}

const CASES: Case[] = [
  { name: 'negative RPM', yaml: 'rate_limiting:\n  openai:\n    max_requests_per_minute: -5', expected: ['rate_limiting.openai.max_requests_per_minute: -5 (from f.yaml): expected a number > 0'] },
  { name: 'RPM as text', yaml: 'rate_limiting:\n  openai:\n    max_requests_per_minute: lots', expected: ['rate_limiting.openai.max_requests_per_minute: "lots" (from f.yaml): expected a number'] },
  { name: 'typo in a limit', yaml: 'rate_limiting:\n  openai:\n    max_request_per_minute: 60', expected: ['rate_limiting.openai.max_request_per_minute: 60 (from f.yaml): expected a known key (max_requests_per_minute,'] },
  { name: 'unknown provider', yaml: 'rate_limiting:\n  openia:\n    max_requests_per_minute: 60', expected: ['rate_limiting.openia: {"max_requests_per_minute":60} (from f.yaml): expected a known key (enabled, openai, anthropic, google, xai, deepseek, moonshot)'] },
  { name: 'unknown section', yaml: 'circuit_braker:\n  failure_threshold: 3', expected: ['circuit_braker: {"failure_threshold":3} (from f.yaml): expected a known key (circuit_breaker, backoff, rate_limiting, resilience, redis, logging)'] },
  { name: 'fractional threshold', yaml: 'circuit_breaker:\n  failure_threshold: 2.5', expected: ['circuit_breaker.failure_threshold: 2.5 (from f.yaml): expected a whole number'] },
  { name: 'zero threshold', yaml: 'circuit_breaker:\n  failure_threshold: 0', expected: ['circuit_breaker.failure_threshold: 0 (from f.yaml): expected a number > 0'] },
  { name: 'timeout as text', yaml: 'circuit_breaker:\n  timeout_seconds: "sixty"', expected: ['circuit_breaker.timeout_seconds: "sixty" (from f.yaml): expected a number'] },
  { name: 'enabled as a word', yaml: 'circuit_breaker:\n  enabled: maybe', expected: ['circuit_breaker.enabled: "maybe" (from f.yaml): expected a boolean'] },
  { name: 'jitter unknown', yaml: 'backoff:\n  jitter: sometimes', expected: ['backoff.jitter: "sometimes" (from f.yaml): expected true, false, or one of "full", "equal", "decorrelated", "none"'] },
  { name: 'exponential base below 1', yaml: 'backoff:\n  exponential_base: 0.5', expected: ['backoff.exponential_base: 0.5 (from f.yaml): expected a number >= 1'] },
  { name: 'negative retries', yaml: 'resilience:\n  max_retries: -1', expected: ['resilience.max_retries: -1 (from f.yaml): expected a number >= 0'] },
  { name: 'fallback to an unknown provider', yaml: 'resilience:\n  fallback_order: [openai, mistral]', expected: ['resilience.fallback_order.1: "mistral" (from f.yaml): expected one of "openai", "anthropic", "google", "xai", "deepseek", "moonshot"'] },
  { name: 'redis URL without scheme', yaml: 'redis:\n  url: 127.0.0.1:6379', expected: ['redis.url: "127.0.0.1:6379" (from f.yaml): expected a redis:// or rediss:// URL'] },
  { name: 'redis prefix with a brace', yaml: 'redis:\n  prefix: "app{1}"', expected: ['redis.prefix: "app{1}" (from f.yaml): expected no { or }'] },
  { name: 'redis fail mode unknown', yaml: 'redis:\n  fail_mode: retry', expected: ['redis.fail_mode: "retry" (from f.yaml): expected one of "local", "open", "closed"'] },
  { name: 'local share over 1', yaml: 'redis:\n  local_share: 1.5', expected: ['redis.local_share: 1.5 (from f.yaml): expected a number <= 1'] },
  { name: 'a section that is not a mapping', yaml: 'rate_limiting: 60', expected: ['rate_limiting: 60 (from f.yaml): expected a mapping of settings'] },
  { name: 'env variable not a number', env: { OMEGA_OPENAI_MAX_TPM: '90k' }, expected: ['rate_limiting.openai.max_tokens_per_minute: "90k" (from env OMEGA_OPENAI_MAX_TPM): expected a number'] },
  { name: 'env boolean not a boolean', env: { OMEGA_RATE_LIMITING_ENABLED: 'sure' }, expected: ['rate_limiting.enabled: "sure" (from env OMEGA_RATE_LIMITING_ENABLED): expected true or false'] },
  { name: 'env value out of range', env: { OMEGA_MAX_RETRIES: '-2' }, expected: ['resilience.max_retries: -2 (from env OMEGA_MAX_RETRIES): expected a number >= 0'] },
  {
    name: 'several problems at once, file and environment',
    yaml: 'circuit_breaker:\n  failure_threshold: 0\nbackoff:\n  max_delay: -1',
    env: { XAI_TPM_LIMIT: 'none' },
    expected: ['circuit_breaker.failure_threshold: 0', 'backoff.max_delay: -1', 'rate_limiting.xai.max_tokens_per_minute: "none" (from env XAI_TPM_LIMIT)'],
  },
];

function problems(c: Case): string[] {
  let file: Record<string, unknown> = {};
  if (c.yaml !== undefined) {
    const parsed = parseConfigYaml(c.yaml, 'f.yaml');
    if (!parsed.ok) throw new Error(`case '${c.name}' is not valid YAML: ${JSON.stringify(parsed.issues)}`);
    file = parsed.value;
  }
  try {
    resolveConfig({ file, fileName: 'f.yaml', env: c.env ?? {} });
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.message.split('\n').slice(1);
    throw error;
  }
  return [];
}

describe('bad configurations', () => {
  it('there are at least twenty', () => expect(CASES.length).toBeGreaterThanOrEqual(20));
  for (const c of CASES) {
    it(c.name, () => {
      const lines = problems(c);
      expect(lines).toHaveLength(c.expected.length);
      for (const expected of c.expected) expect(lines.some((line) => line.includes(expected)), `${expected}\n  in\n${lines.join('\n')}`).toBe(true);
    });
  }
});
