/** Delay distributions: validation, and sampling with the key's seeded random stream. */
import type { LatencyDistribution, MockLatency } from './options.js';
import { expectObject, MockConfigError, optionalNumber, required } from './validation.js';
import type { SeededRandom } from './random.js';

/** No sampled delay exceeds ten minutes. */
const MAX_SAMPLED_DELAY_MS = 600_000;

/** One delay in ms drawn from `distribution` (undefined means none), clamped to [0, 10 min]. */
export function sampleDelayMs(distribution: LatencyDistribution | undefined, random: SeededRandom): number {
  if (distribution === undefined) return 0;
  let ms: number;
  if (typeof distribution === 'number') ms = distribution;
  else {
    switch (distribution.kind) {
      case 'fixed':
        ms = distribution.ms;
        break;
      case 'uniform':
        ms = distribution.minMs + random.next() * (distribution.maxMs - distribution.minMs);
        break;
      case 'normal':
        ms = distribution.meanMs + distribution.standardDeviationMs * random.standardNormal();
        break;
      case 'lognormal':
        ms = distribution.medianMs * Math.exp(distribution.sigma * random.standardNormal());
        break;
    }
  }
  return Math.min(MAX_SAMPLED_DELAY_MS, Math.max(0, ms));
}


/** Validates a distribution; throws a MockConfigError naming the field. */
function validateDistribution(value: unknown, path: string): LatencyDistribution | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return optionalNumber(value, path, { min: 0, max: MAX_SAMPLED_DELAY_MS });
  const record = expectObject(value, path);
  const range = { min: 0, max: MAX_SAMPLED_DELAY_MS };
  switch (record.kind) {
    case 'fixed':
      expectObject(value, path, ['kind', 'ms']);
      return { kind: 'fixed', ms: required(optionalNumber(record.ms, `${path}.ms`, range), `${path}.ms`) };
    case 'uniform': {
      expectObject(value, path, ['kind', 'minMs', 'maxMs']);
      const minMs = required(optionalNumber(record.minMs, `${path}.minMs`, range), `${path}.minMs`);
      const maxMs = required(optionalNumber(record.maxMs, `${path}.maxMs`, { ...range, min: minMs }), `${path}.maxMs`);
      return { kind: 'uniform', minMs, maxMs };
    }
    case 'normal':
      expectObject(value, path, ['kind', 'meanMs', 'standardDeviationMs']);
      return {
        kind: 'normal',
        meanMs: required(optionalNumber(record.meanMs, `${path}.meanMs`, range), `${path}.meanMs`),
        standardDeviationMs: required(optionalNumber(record.standardDeviationMs, `${path}.standardDeviationMs`, range), `${path}.standardDeviationMs`),
      };
    case 'lognormal':
      expectObject(value, path, ['kind', 'medianMs', 'sigma']);
      return {
        kind: 'lognormal',
        medianMs: required(optionalNumber(record.medianMs, `${path}.medianMs`, range), `${path}.medianMs`),
        sigma: required(optionalNumber(record.sigma, `${path}.sigma`, { min: 0, max: 10 }), `${path}.sigma`),
      };
    default:
      throw new MockConfigError(`${path}.kind`, `must be one of 'fixed', 'uniform', 'normal', 'lognormal', got ${JSON.stringify(record.kind)}`);
  }
}

/** Validates a latency setting. */
export function validateLatency(value: unknown, path: string): MockLatency | undefined {
  if (value === undefined) return undefined;
  const record = expectObject(value, path, ['timeToFirstTokenMs', 'perChunkMs']);
  return {
    timeToFirstTokenMs: validateDistribution(record.timeToFirstTokenMs, `${path}.timeToFirstTokenMs`),
    perChunkMs: validateDistribution(record.perChunkMs, `${path}.perChunkMs`),
  };
}
