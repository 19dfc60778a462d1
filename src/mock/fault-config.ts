/** Validation of injected faults, shared by the server options and the control endpoint. */
import { validateLatency } from './latency.js';
import type { MockFaults, OutageWindow, QuotaExhaustion, StreamFaults } from './options.js';
import { expectObject, fieldPath, MockConfigError, optionalBoolean, optionalChoice, optionalNumber, required } from './validation.js';

const MAX_OUTAGES = 100;
const ONE_YEAR_MS = 365 * 86_400_000;

/** Validates a quota setting (`true`, `false` or an Anthropic variant). */
export function validateQuotaExhaustion(value: unknown, path: string): QuotaExhaustion | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  return optionalChoice(value, path, ['credit-balance', 'billing', 'spend-limit'] as const);
}

function validateErrorRates(value: unknown, path: string): Record<string, number> | undefined {
  if (value === undefined) return undefined;
  const record = expectObject(value, path);
  let total = 0;
  for (const [status, probability] of Object.entries(record)) {
    const field = fieldPath(path, status);
    if (!/^[45]\d\d$/.test(status)) throw new MockConfigError(field, 'must be an HTTP status from 400 to 599');
    total += required(optionalNumber(probability, field, { min: 0, max: 1 }), field);
  }
  if (total > 1 + 1e-9) throw new MockConfigError(path, `probabilities must add up to at most 1, got ${total}`);
  return record as Record<string, number>;
}

function validateOutage(value: unknown, path: string): OutageWindow {
  const record = expectObject(value, path, ['fromMs', 'untilMs', 'mode', 'status']);
  const fromMs = optionalNumber(record.fromMs, `${path}.fromMs`, { min: 0, max: ONE_YEAR_MS });
  const untilMs = optionalNumber(record.untilMs, `${path}.untilMs`, { min: fromMs ?? 0, max: ONE_YEAR_MS });
  const mode = required(optionalChoice(record.mode, `${path}.mode`, ['unavailable', 'reset', 'hang'] as const), `${path}.mode`);
  const status = optionalNumber(record.status, `${path}.status`, { min: 400, max: 599, integer: true });
  return { fromMs, untilMs, mode, status };
}

function validateStream(value: unknown, path: string): StreamFaults | undefined {
  if (value === undefined) return undefined;
  const record = expectObject(value, path, ['cutAfterChunks', 'cutMode', 'errorAfterChunks', 'keepAliveOnly', 'keepAliveIntervalMs']);
  const chunks = { min: 0, max: 1_000_000, integer: true };
  return {
    cutAfterChunks: optionalNumber(record.cutAfterChunks, `${path}.cutAfterChunks`, chunks),
    cutMode: optionalChoice(record.cutMode, `${path}.cutMode`, ['end', 'reset'] as const),
    errorAfterChunks: optionalNumber(record.errorAfterChunks, `${path}.errorAfterChunks`, chunks),
    keepAliveOnly: optionalBoolean(record.keepAliveOnly, `${path}.keepAliveOnly`),
    keepAliveIntervalMs: optionalNumber(record.keepAliveIntervalMs, `${path}.keepAliveIntervalMs`, { min: 10, max: 600_000 }),
  };
}

/** Validates a set of faults; throws a MockConfigError naming the field. */
export function validateFaults(value: unknown, path: string): MockFaults {
  const record = expectObject(value, path, ['errorRates', 'outages', 'addedLatencyMs', 'latency', 'quotaExhausted', 'stream']);
  let outages: OutageWindow[] | undefined;
  if (record.outages !== undefined) {
    if (!Array.isArray(record.outages)) throw new MockConfigError(`${path}.outages`, 'must be an array of outage windows');
    if (record.outages.length > MAX_OUTAGES) throw new MockConfigError(`${path}.outages`, `at most ${MAX_OUTAGES} windows`);
    outages = record.outages.map((outage, index) => validateOutage(outage, `${path}.outages[${index}]`));
  }
  return {
    errorRates: validateErrorRates(record.errorRates, `${path}.errorRates`),
    outages,
    addedLatencyMs: optionalNumber(record.addedLatencyMs, `${path}.addedLatencyMs`, { min: 0, max: 600_000 }),
    latency: validateLatency(record.latency, `${path}.latency`),
    quotaExhausted: validateQuotaExhaustion(record.quotaExhausted, `${path}.quotaExhausted`),
    stream: validateStream(record.stream, `${path}.stream`),
  };
}
