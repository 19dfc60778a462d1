/**
 * What redaction masks and what it leaves alone: every provider's key shape, credentials in
 * headers, parameters and URLs (malformed ones too), JSON-escaped text; ordinary words stay.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, describeValue } from '../../src/core/errors.js';
import { isSecretField, redactError, redactSecrets, redactValue } from '../../src/core/redact.js';
import { KEYS, PROVIDERS, REDIS_PASSWORD } from './secret-scan.js';

describe('redactSecrets', () => {
  it('masks every provider key shape, keeping its prefix', () => {
    for (const provider of PROVIDERS) {
      const key = KEYS[provider].good;
      const masked = redactSecrets(`key ${key}, quoted "${key}", in JSON after a newline "a\\n${key}", after an underscore key_${key}`);
      expect(masked).not.toContain(key.slice(-12));
      expect(masked.match(/\*\*\*/g)).toHaveLength(4);
    }
    expect(redactSecrets(`x ${KEYS.anthropic.good}`)).toBe('x sk-ant-***');
    expect(redactSecrets(`x ${KEYS.openai.good}`)).toBe('x sk-proj-***');
    expect(redactSecrets(`x ${KEYS.google.good}`)).toBe('x AIza***');
  });

  it('masks credentials in headers, parameters and URLs', () => {
    const key = KEYS.xai.good;
    expect(redactSecrets(`Authorization: Bearer ${key}`)).toBe('Authorization: Bearer ***');
    expect(redactSecrets(`authorization: bearer ${key}`)).toBe('authorization: bearer ***');
    expect(redactSecrets('Authorization: Basic dXNlcjpwYXNzd29yZA==')).toBe('Authorization: Basic ***');
    expect(redactSecrets(`{"x-api-key":"${key}"}`)).toBe('{"x-api-key":"***"}');
    expect(redactSecrets('x-goog-api-key: abcdef123456')).toBe('x-goog-api-key: ***');
    expect(redactSecrets('https://host/v1beta/models/m:generateContent?key=abc123def456&alt=sse')).toBe('https://host/v1beta/models/m:generateContent?key=***&alt=sse');
    for (const url of [`redis://default:${REDIS_PASSWORD}@127.0.0.1:6379/0`, `rediss://:${REDIS_PASSWORD}@cache.internal:6380`, `redis:/default:${REDIS_PASSWORD}@127.0.0.1`, `redis//default:${REDIS_PASSWORD}@127.0.0.1`]) {
      const masked = redactSecrets(url);
      expect(masked).not.toContain(REDIS_PASSWORD);
      expect(masked).toContain(':***@');
    }
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'risk-assessment-model and task-scheduler-v2 and desk-reservations',
      'Basic authentication is required; bearer tokens expire',
      'x-api-key header is required',
      'Connection to openai failed: connect ECONNREFUSED 127.0.0.1:6390',
      'https://example.com:8080/path@v2 and http://[::1]:8080/x',
      "Circuit breaker 'openai' OPEN after 5 failures (failures); probing again in 60.00s",
      'Incorrect API key provided: sk-********************wamr.',
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });
});

describe('redactValue', () => {
  it('copies plain data with strings redacted and secret fields masked whatever their shape', () => {
    const input = { apiKey: 'no-shape-at-all', nested: { Authorization: 'x', 'x-api-key': 'y', list: [KEYS.moonshot.good], count: 3 }, url: `redis://u:${REDIS_PASSWORD}@h` };
    expect(redactValue(input)).toEqual({ apiKey: '***', nested: { Authorization: '***', 'x-api-key': '***', list: ['sk-***'], count: 3 }, url: 'redis://u:***@h' });
    expect(input.apiKey).toBe('no-shape-at-all');
    const instance = new Map([['k', 'v']]);
    expect(redactValue(instance)).toBe(instance);
    expect(redactValue(42)).toBe(42);
    expect(['apiKey', 'api_key', 'x-goog-api-key', 'password', 'token', 'client_secret'].every(isSecretField)).toBe(true);
    expect(['model', 'keyPrefix', 'tokens', 'maxTokens'].some(isSecretField)).toBe(false);
  });

  it('is bounded on deep and cyclic-looking data', () => {
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 50; i++) deep = { inner: deep };
    expect(JSON.stringify(redactValue(deep))).toContain('[…]');
  });
});

describe('redactError', () => {
  it('masks message and stack in place, down the causes, keeping the class', () => {
    const root = new TypeError(`Headers.append: "Bearer ${KEYS.openai.good}" is an invalid header value.`);
    const outer = new Error(`wrapped ${KEYS.deepseek.good}`, { cause: root });
    expect(redactError(outer)).toBe(outer);
    expect(outer.message).toBe('wrapped sk-***');
    expect(root).toBeInstanceOf(TypeError);
    expect(root.message).toBe('Headers.append: "Bearer ***" is an invalid header value.');
    expect(`${outer.stack}${root.stack}`).not.toContain(KEYS.openai.good.slice(-12));
    expect(redactError('not an error')).toBe('not an error');
  });

  it('a frozen error is left as it is, without throwing', () => {
    const frozen = Object.freeze(new Error(`x ${KEYS.xai.good}`));
    expect(() => redactError(frozen)).not.toThrow();
  });
});

describe('configuration errors', () => {
  it("describeValue and ConfigError never carry a key: in the message or in `value`", () => {
    const key = KEYS.openai.good;
    expect(describeValue(key)).toBe('"sk-proj-***"');
    // Redacted before being cut to 80 characters: a cut key would no longer match its shape.
    expect(describeValue({ some: 'padding', apiKey: key })).not.toContain(key.slice(0, 12));
    const error = new ConfigError('openAIApiKey', key, 'a known option');
    expect(error.message).toBe('Invalid openAIApiKey: "sk-proj-***" (expected a known option)');
    expect(error.value).toBe('sk-proj-***');
    expect(JSON.stringify(error)).not.toContain(key.slice(-12));
    expect(new ConfigError('maxRetries', -1, 'an integer >= 0').value).toBe(-1);
  });
});

describe('redactValue keeps what holds no secret', () => {
  it('returns the same object or array when nothing in it changed', () => {
    const clean = { clock: { now: () => 0 }, list: [1, 'two'] };
    expect(redactValue(clean)).toBe(clean);
    const dirty = { ok: clean, token: 'abc' };
    const safe = redactValue(dirty) as typeof dirty;
    expect(safe).not.toBe(dirty);
    expect(safe.ok).toBe(clean);
  });
});
