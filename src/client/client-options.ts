/** UnifiedLLMClient options: per-provider settings, keys from options or the environment, validation. */
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { integerAtLeast, noUnknownKeys, nonNegativeNumber } from '../core/validate.js';
import type { AnyLimiterStore } from '../limiter/shared-store.js';
import type { ServiceBreakerOptions, ServiceRateLimitOptions, ServiceRetryOptions } from '../policy/service-options.js';
import type { AccountingModel } from '../providers/accounting.js';
import type { StreamTimeouts } from '../providers/chat-stream.js';
import type { FetchLike } from '../providers/transport.js';
import { PROVIDER_IDS, type ProviderId } from '../providers/types.js';

export interface ProviderOptions {
  apiKey?: string;
  /** Where the API lives (a proxy, Azure, a mock server). */
  baseURL?: string;
  /** The model used on this provider when the request names none (or names another provider's). */
  model?: string;
  /**
   * Limits (per minute, per day, concurrency). Default: the seeds' conservative limits; false for
   * none. `perModel` (one limiter per model, each learning its own limits) defaults to the
   * provider's own scope: on for OpenAI, whose limits are per model; off for the others.
   */
  rateLimit?: ServiceRateLimitOptions | false;
  circuitBreaker?: ServiceBreakerOptions | false;
  retry?: ServiceRetryOptions | false;
  /** Time allowed for one attempt (a whole non-streaming call). Default 60 000. */
  timeoutMs?: number;
  /** How this provider counts tokens against its limits. */
  accounting?: Partial<AccountingModel>;
  /** Default max output tokens. */
  maxTokens?: number;
}

/** A fallback entry: a provider, or a provider with the model to use there. */
export type FallbackTarget = ProviderId | { provider: ProviderId; model?: string };

export interface UnifiedLLMClientOptions {
  /** The model tried first; its provider comes first. Default: the first configured provider's default. */
  preferredModel?: string;
  providers?: Partial<Record<ProviderId, ProviderOptions>>;
  openaiApiKey?: string;
  anthropicApiKey?: string;
  googleApiKey?: string;
  xaiApiKey?: string;
  deepseekApiKey?: string;
  moonshotApiKey?: string;
  /** Providers to fall back to, in order. Default: every other provider with a key, in a fixed order. */
  fallback?: FallbackTarget[];
  /** Default true. */
  enableCircuitBreaker?: boolean;
  /** Default true. */
  enableRateLimiting?: boolean;
  /** Retries per provider before falling back. Default 3. */
  maxRetries?: number;
  /** How long a provider out of quota is skipped. Default 3 600 000 (an hour). */
  quotaCooldownMs?: number;
  stream?: StreamTimeouts;
  /** Default: the global fetch. */
  fetch?: FetchLike;
  /** Where keys are looked up when not given. Default: process.env where there is one. */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
  logger?: Logger;
  store?: AnyLimiterStore;
}

const KNOWN = [
  'preferredModel',
  'providers',
  'openaiApiKey',
  'anthropicApiKey',
  'googleApiKey',
  'xaiApiKey',
  'deepseekApiKey',
  'moonshotApiKey',
  'fallback',
  'enableCircuitBreaker',
  'enableRateLimiting',
  'maxRetries',
  'quotaCooldownMs',
  'stream',
  'fetch',
  'env',
  'clock',
  'logger',
  'store',
];
const PROVIDER_KNOWN = ['apiKey', 'baseURL', 'model', 'rateLimit', 'circuitBreaker', 'retry', 'timeoutMs', 'accounting', 'maxTokens'];

export function validateClientOptions(options: UnifiedLLMClientOptions): void {
  if (options === null || typeof options !== 'object') throw new ConfigError('options', options, 'an object of UnifiedLLMClient options');
  noUnknownKeys('', options, KNOWN);
  for (const [id, provider] of Object.entries(options.providers ?? {})) {
    if (!(PROVIDER_IDS as readonly string[]).includes(id)) throw new ConfigError(`providers.${id}`, provider, `a provider among ${PROVIDER_IDS.join(', ')}`);
    if (provider === null || typeof provider !== 'object') throw new ConfigError(`providers.${id}`, provider, 'an object of provider options');
    noUnknownKeys(`providers.${id}`, provider, PROVIDER_KNOWN);
    if (provider.maxTokens !== undefined) integerAtLeast(`providers.${id}.maxTokens`, provider.maxTokens, 1);
    const perModel = provider.rateLimit ? provider.rateLimit.perModel : undefined;
    if (perModel !== undefined && typeof perModel !== 'boolean') throw new ConfigError(`providers.${id}.rateLimit.perModel`, perModel, 'true or false');
  }
  if (options.maxRetries !== undefined) integerAtLeast('maxRetries', options.maxRetries, 0);
  if (options.quotaCooldownMs !== undefined) nonNegativeNumber('quotaCooldownMs', options.quotaCooldownMs);
  for (const [index, target] of (options.fallback ?? []).entries()) {
    const provider = typeof target === 'string' ? target : target?.provider;
    if (!(PROVIDER_IDS as readonly string[]).includes(provider as string)) throw new ConfigError(`fallback[${index}]`, target, `a provider among ${PROVIDER_IDS.join(', ')}`);
  }
}

/** The environment of the runtime, where it has one (Node, Bun, Deno with permissions). */
export function runtimeEnv(): Readonly<Record<string, string | undefined>> {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return process?.env ?? {};
}

const KEY_OPTION: Readonly<Record<ProviderId, keyof UnifiedLLMClientOptions>> = {
  openai: 'openaiApiKey',
  anthropic: 'anthropicApiKey',
  google: 'googleApiKey',
  xai: 'xaiApiKey',
  deepseek: 'deepseekApiKey',
  moonshot: 'moonshotApiKey',
};

/** A provider's key: its own options, then the client's `<provider>ApiKey`, then the environment. */
export function apiKeyFor(id: ProviderId, options: UnifiedLLMClientOptions, envNames: readonly string[], env: Readonly<Record<string, string | undefined>>): string | undefined {
  const direct = options.providers?.[id]?.apiKey ?? (options[KEY_OPTION[id]] as string | undefined);
  if (direct) return direct;
  for (const name of envNames) {
    const value = env[name];
    if (value) return value;
  }
  return undefined;
}
