import { describe, it, expect } from 'vitest';
import { CircuitBreaker, CIRCUIT_BREAKER_DEFAULTS, resolveBreakerOptions, type CircuitBreakerOptions } from '../../src/breaker/index.js';
import { ConfigError } from '../../src/core/errors.js';

function configErrorOf(options: unknown): ConfigError {
  try {
    new CircuitBreaker('openai', options as CircuitBreakerOptions);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('circuit breaker options', () => {
  const invalid: Array<[keyof CircuitBreakerOptions, unknown]> = [
    ['failureThreshold', 0],
    ['failureThreshold', 2.5],
    ['failureThreshold', Number.NaN],
    ['failureThreshold', '5'],
    ['successThreshold', 0],
    ['halfOpenMaxCalls', -1],
    ['halfOpenMaxCalls', 1.5],
    ['minimumThroughput', 0],
    ['openMs', -1],
    ['openMs', Number.NaN],
    ['openMs', Number.POSITIVE_INFINITY],
    ['halfOpenProbeTimeoutMs', 0],
    ['halfOpenProbeTimeoutMs', Number.POSITIVE_INFINITY],
    ['samplingWindowMs', 0],
    ['slowCallDurationMs', -5],
    ['failureRatio', 0],
    ['failureRatio', 1.01],
    ['failureRatio', Number.NaN],
    ['slowCallRatio', -0.5],
    ['openBackoffFactor', 0.5],
    ['openBackoffFactor', Number.POSITIVE_INFINITY],
    ['maxOpenMs', Number.POSITIVE_INFINITY],
    ['isFailure', true],
    ['clock', {}],
  ];

  for (const [option, value] of invalid) {
    it(`rejects ${option} = ${String(value)} with a ConfigError naming circuitBreaker.${option}`, () => {
      const error = configErrorOf({ [option]: value });
      expect(error.path).toBe(`circuitBreaker.${option}`);
      expect(Object.is(error.value, value)).toBe(true);
      expect(error.message).toContain(`circuitBreaker.${option}`);
      expect(error.expected.length).toBeGreaterThan(0);
    });
  }

  it('says what is valid in the message', () => {
    expect(configErrorOf({ failureThreshold: 0 }).message).toBe('Invalid circuitBreaker.failureThreshold: 0 (expected an integer >= 1)');
    expect(configErrorOf({ failureRatio: 2 }).message).toBe('Invalid circuitBreaker.failureRatio: 2 (expected a ratio in (0, 1])');
  });

  it('rejects maxOpenMs below openMs', () => {
    expect(configErrorOf({ openMs: 10_000, maxOpenMs: 5_000 }).path).toBe('circuitBreaker.maxOpenMs');
  });

  it('rejects an empty name', () => {
    expect(() => new CircuitBreaker('')).toThrow(ConfigError);
  });

  it('applies the documented defaults', () => {
    const resolved = resolveBreakerOptions(undefined);
    expect(resolved).toMatchObject({
      failureThreshold: 5,
      successThreshold: 2,
      openMs: 60_000,
      halfOpenMaxCalls: 3,
      halfOpenProbeTimeoutMs: CIRCUIT_BREAKER_DEFAULTS.halfOpenProbeTimeoutMs,
      failureRatio: undefined,
      slowCallDurationMs: undefined,
      openBackoffFactor: 1,
      maxOpenMs: 600_000,
    });
  });

  it('accepts the edges of every range', () => {
    expect(() => new CircuitBreaker('x', { failureThreshold: 1, openMs: 0, failureRatio: 1, slowCallRatio: 1, slowCallDurationMs: 0, openBackoffFactor: 1, maxOpenMs: 0 })).not.toThrow();
  });
});
