/**
 * Turns the server options into the resolved configuration the server runs on: defaults filled
 * in, every field validated (a MockConfigError names the field), limits turned into buckets.
 */
import type { DailyReset } from '../core/calendar-day.js';
import { type MockClock, systemMockClock } from './clock.js';
import { DEFAULT_MOCK_KEYS } from './default-keys.js';
import { DAY_MS, type Dimension, MINUTE_MS } from './dimensions.js';
import { validateFaults, validateQuotaExhaustion } from './fault-config.js';
import { validateLatency } from './latency.js';
import { type AccountingPolicy, accountingPolicy } from './accounting.js';
import type { AccountingModel, ChargeModel, LimitScope, LimitWindow, MockFaults, MockKeyConfig, MockLatency, MockProvider, MockServerOptions, QuotaExhaustion } from './options.js';
import { MOCK_PROVIDERS, PROVIDER_PROFILES, type ProviderProfile } from './provider-profiles.js';
import { expectObject, fieldPath, MockConfigError, optionalBoolean, optionalChoice, optionalNumber, optionalString, required } from './validation.js';

/** One limit of a key: a continuously refilled bucket, or a fixed calendar window (see `calendar-window.ts`). */
export interface BucketSpec {
  readonly dimension: Dimension;
  /** The provider's limit, per `periodMs` (what the headers call the limit). */
  readonly limit: number;
  readonly periodMs: number;
  /** Largest burst. */
  readonly capacity: number;
  readonly ratePerMs: number;
  /** `continuous` for a token bucket; for a per-day limit, possibly a reset at midnight. */
  readonly dailyReset: DailyReset;
  /** Per-minute limits: counted in fixed calendar minutes when `fixed-minute`. Absent: continuous. */
  readonly window?: LimitWindow;
}

/** The buckets and concurrency limit one scope of a key is admitted against. */
export interface LimitSet {
  readonly buckets: readonly BucketSpec[];
  readonly maxConcurrent: number | undefined;
}

/** A key with every default applied. */
export interface ResolvedKey {
  readonly apiKey: string;
  readonly provider: MockProvider;
  readonly profile: ProviderProfile;
  readonly accounting: AccountingModel;
  /** The accounting with the key's `charge` and `refundUnusedOutput` applied. */
  readonly policy: AccountingPolicy;
  readonly buckets: readonly BucketSpec[];
  readonly maxConcurrent: number | undefined;
  /** What the limits cover: the whole key, or each model apart (see MockKeyConfig.limitScope). */
  readonly limitScope: LimitScope;
  /** `limitScope: 'model'`: the limits of the models configured apart (others have `buckets`). */
  readonly modelLimits: ReadonlyMap<string, LimitSet>;
  readonly outputTokens: { readonly min: number; readonly max: number };
  readonly defaultMaxTokens: number;
  readonly tokensPerChunk: number;
  readonly latency: MockLatency;
  readonly quotaExhausted: QuotaExhaustion;
  readonly overLimit: 'reject' | 'wait';
  readonly maxWaitMs: number;
  readonly maxQueued: number;
  readonly keepAliveIntervalMs: number;
  readonly rateLimitHeaders: boolean;
  readonly organization: string;
  readonly faults: MockFaults | undefined;
}

/** The server's resolved configuration. */
export interface ResolvedConfig {
  readonly port: number;
  readonly host: string;
  readonly seed: number;
  readonly keys: ReadonlyMap<string, ResolvedKey>;
  readonly faults: MockFaults | undefined;
  readonly clock: MockClock;
  readonly maxBodyBytes: number;
}

const LIMIT_FIELDS = ['requestsPerMinute', 'tokensPerMinute', 'inputTokensPerMinute', 'outputTokensPerMinute', 'requestsPerDay', 'tokensPerDay', 'maxConcurrent', 'dailyReset', 'window', 'burst'] as const;
const KEY_FIELDS = [
  'provider', 'limits', 'limitScope', 'models', 'accounting', 'charge', 'refundUnusedOutput', 'outputTokens', 'defaultMaxTokens', 'tokensPerChunk', 'latency', 'quotaExhausted',
  'overLimit', 'maxWaitMs', 'maxQueued', 'keepAliveIntervalMs', 'rateLimitHeaders', 'organization', 'faults',
] as const;
const ACCOUNTING_MODELS: readonly AccountingModel[] = ['openai', 'openai-max', 'anthropic', 'gemini'];
const CHARGE_MODELS: readonly ChargeModel[] = ['input+max_tokens', 'max(input,max_tokens)', 'input'];

/** True for the loopback addresses the mock may listen on. */
function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function resolveBuckets(value: unknown, path: string, profile: ProviderProfile): LimitSet {
  const limits = value === undefined ? {} : expectObject(value, path, LIMIT_FIELDS);
  const rate = (field: string) => optionalNumber(limits[field], `${path}.${field}`, { min: 0, exclusiveMin: true });
  const burstRecord = limits.burst === undefined ? {} : expectObject(limits.burst, `${path}.burst`, ['requests', 'tokens', 'inputTokens', 'outputTokens']);
  const burst = (field: string) => optionalNumber(burstRecord[field], `${path}.burst.${field}`, { min: 1 });
  const dailyReset = optionalChoice(limits.dailyReset, `${path}.dailyReset`, ['continuous', 'midnight-utc', 'midnight-pacific'] as const) ?? profile.dailyReset;
  const window = optionalChoice(limits.window, `${path}.window`, ['continuous', 'fixed-minute'] as const) ?? 'continuous';
  // A fixed window allows its whole limit at once: there is no separate burst to set.
  if (window === 'fixed-minute' && limits.burst !== undefined) throw new MockConfigError(`${path}.burst`, "a 'fixed-minute' window has no burst: each minute allows the whole limit");
  const buckets: BucketSpec[] = [];
  const add = (dimension: Dimension, limit: number | undefined, periodMs: number, capacity: number | undefined) => {
    if (limit === undefined) return;
    const perDay = periodMs === DAY_MS;
    const fixed = !perDay && window === 'fixed-minute';
    buckets.push({
      dimension,
      limit,
      periodMs,
      capacity: fixed ? limit : (capacity ?? limit),
      ratePerMs: limit / periodMs,
      dailyReset: perDay ? dailyReset : 'continuous',
      ...(fixed ? { window } : {}),
    });
  };
  const requestsPerMinute = rate('requestsPerMinute');
  const defaultRequestBurst = requestsPerMinute === undefined ? undefined : Math.max(1, (requestsPerMinute * profile.requestBurstSeconds) / 60);
  add('requests', requestsPerMinute, MINUTE_MS, burst('requests') ?? defaultRequestBurst);
  add('tokens', rate('tokensPerMinute'), MINUTE_MS, burst('tokens'));
  add('inputTokens', rate('inputTokensPerMinute'), MINUTE_MS, burst('inputTokens'));
  add('outputTokens', rate('outputTokensPerMinute'), MINUTE_MS, burst('outputTokens'));
  add('requestsPerDay', rate('requestsPerDay'), DAY_MS, undefined);
  add('tokensPerDay', rate('tokensPerDay'), DAY_MS, undefined);
  const maxConcurrent = optionalNumber(limits.maxConcurrent, `${path}.maxConcurrent`, { min: 1, integer: true });
  return { buckets, maxConcurrent };
}

function resolveOutputTokens(value: unknown, path: string): { min: number; max: number } {
  const bounds = { min: 0, max: 1_000_000, integer: true };
  if (value === undefined) return { min: 20, max: 200 };
  if (typeof value === 'number') {
    const fixed = required(optionalNumber(value, path, bounds), path);
    return { min: fixed, max: fixed };
  }
  const record = expectObject(value, path, ['min', 'max']);
  const min = required(optionalNumber(record.min, `${path}.min`, bounds), `${path}.min`);
  const max = required(optionalNumber(record.max, `${path}.max`, { ...bounds, min }), `${path}.max`);
  return { min, max };
}

/**
 * The limits of the models a `limitScope: 'model'` key configures apart: each model's fields over
 * the key's `limits`, resolved (and validated) as a whole under the model's path.
 */
function resolveModelLimits(value: unknown, path: string, keyLimits: unknown, scope: LimitScope, profile: ProviderProfile): Map<string, LimitSet> {
  const out = new Map<string, LimitSet>();
  if (value === undefined) return out;
  if (scope !== 'model') throw new MockConfigError(path, "limits per model need limitScope: 'model' (with 'key' every model shares the key's limits)");
  // The key's own limits were validated already.
  const base = (keyLimits ?? {}) as Record<string, unknown>;
  for (const [model, limits] of Object.entries(expectObject(value, path))) {
    const modelPath = fieldPath(path, model);
    if (model.trim() === '') throw new MockConfigError(modelPath, 'a model name must not be empty');
    out.set(model, resolveBuckets({ ...base, ...expectObject(limits, modelPath, LIMIT_FIELDS) }, modelPath, profile));
  }
  return out;
}

/** Validates one key's configuration and applies its provider's defaults. */
function resolveKey(apiKey: string, value: unknown, path: string): ResolvedKey {
  if (!/^[\x21-\x7e]+$/.test(apiKey)) throw new MockConfigError(path, 'an API key must be printable ASCII without spaces');
  const record = expectObject(value, path, KEY_FIELDS) as Partial<Record<keyof MockKeyConfig, unknown>>;
  const provider = required(optionalChoice(record.provider, `${path}.provider`, MOCK_PROVIDERS), `${path}.provider`);
  const profile = PROVIDER_PROFILES[provider];
  const quotaExhausted = validateQuotaExhaustion(record.quotaExhausted, `${path}.quotaExhausted`) ?? false;
  if (typeof quotaExhausted === 'string' && provider !== 'anthropic') {
    throw new MockConfigError(`${path}.quotaExhausted`, `'${quotaExhausted}' is an Anthropic variant; use true for ${provider}`);
  }
  const { buckets, maxConcurrent } = resolveBuckets(record.limits, `${path}.limits`, profile);
  const limitScope = optionalChoice(record.limitScope, `${path}.limitScope`, ['key', 'model'] as const) ?? 'key';
  const modelLimits = resolveModelLimits(record.models, `${path}.models`, record.limits, limitScope, profile);
  const accounting = optionalChoice(record.accounting, `${path}.accounting`, ACCOUNTING_MODELS) ?? profile.accounting;
  const policy = accountingPolicy(accounting, {
    charge: optionalChoice(record.charge, `${path}.charge`, CHARGE_MODELS),
    refundUnusedOutput: optionalBoolean(record.refundUnusedOutput, `${path}.refundUnusedOutput`),
  });
  return {
    apiKey,
    provider,
    profile,
    accounting,
    policy,
    buckets,
    maxConcurrent,
    limitScope,
    modelLimits,
    outputTokens: resolveOutputTokens(record.outputTokens, `${path}.outputTokens`),
    defaultMaxTokens: optionalNumber(record.defaultMaxTokens, `${path}.defaultMaxTokens`, { min: 1, integer: true }) ?? 4096,
    tokensPerChunk: optionalNumber(record.tokensPerChunk, `${path}.tokensPerChunk`, { min: 1, max: 10_000, integer: true }) ?? 1,
    latency: validateLatency(record.latency, `${path}.latency`) ?? {},
    quotaExhausted,
    overLimit: optionalChoice(record.overLimit, `${path}.overLimit`, ['reject', 'wait'] as const) ?? profile.overLimit,
    maxWaitMs: optionalNumber(record.maxWaitMs, `${path}.maxWaitMs`, { min: 0, max: 3_600_000 }) ?? 600_000,
    maxQueued: optionalNumber(record.maxQueued, `${path}.maxQueued`, { min: 0, max: 100_000, integer: true }) ?? 1000,
    keepAliveIntervalMs: optionalNumber(record.keepAliveIntervalMs, `${path}.keepAliveIntervalMs`, { min: 10, max: 600_000 }) ?? 5000,
    rateLimitHeaders: optionalBoolean(record.rateLimitHeaders, `${path}.rateLimitHeaders`) ?? profile.headerStyle !== 'none',
    organization: optionalString(record.organization, `${path}.organization`) ?? 'org-mock',
    faults: record.faults === undefined ? undefined : validateFaults(record.faults, `${path}.faults`),
  };
}

/** Validates the server options; throws a MockConfigError naming the first bad field. */
export function resolveConfig(options: MockServerOptions = {}): ResolvedConfig {
  const record = expectObject(options, 'options', ['port', 'host', 'seed', 'keys', 'includeDefaultKeys', 'faults', 'clock', 'maxBodyBytes']);
  const host = optionalString(record.host, 'host') ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new MockConfigError('host', `the mock listens on loopback only (127.0.0.1, ::1, localhost), got ${JSON.stringify(host)}`);
  const keyRecord = record.keys === undefined ? undefined : expectObject(record.keys, 'keys');
  const includeDefaults = optionalBoolean(record.includeDefaultKeys, 'includeDefaultKeys') ?? keyRecord === undefined;
  const keys = new Map<string, ResolvedKey>();
  const entries = [...(includeDefaults ? Object.entries(DEFAULT_MOCK_KEYS) : []), ...Object.entries(keyRecord ?? {})];
  for (const [apiKey, keyConfig] of entries) keys.set(apiKey, resolveKey(apiKey, keyConfig, fieldPath('keys', apiKey)));
  if (keys.size === 0) throw new MockConfigError('keys', 'at least one key is needed');
  const clock = (record.clock as MockClock | undefined) ?? systemMockClock;
  if (typeof clock.now !== 'function' || typeof clock.setTimer !== 'function' || typeof clock.clearTimer !== 'function') {
    throw new MockConfigError('clock', 'must have now(), setTimer() and clearTimer()');
  }
  return {
    port: optionalNumber(record.port, 'port', { min: 0, max: 65_535, integer: true }) ?? 0,
    host,
    seed: optionalNumber(record.seed, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) ?? 1,
    keys,
    faults: record.faults === undefined ? undefined : validateFaults(record.faults, 'faults'),
    clock,
    maxBodyBytes: optionalNumber(record.maxBodyBytes, 'maxBodyBytes', { min: 1, integer: true }) ?? 32 * 1024 * 1024,
  };
}
