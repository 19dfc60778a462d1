/**
 * The providers of a simulation: each one a key of the embedded mock server with a realistic tier's
 * limits and latency, and the client options that point the UnifiedLLMClient at it. By default the
 * client is configured with the same limits the provider enforces (what a user copies from the
 * provider's console); with `--config` the configuration's limits are used instead.
 */
import type { ProviderOptions } from '../client/client-options.js';
import type { MockKeyConfig, MockLimits, MockProvider } from '../mock/options.js';
import type { RateLimiterOptions } from '../limiter/limiter-options.js';
import { PROVIDER_SPECS } from '../providers/provider-specs.js';
import type { ProviderId } from '../providers/types.js';

/** Fallback order of a run with every provider: the preferred first. Gemini's free tier (15 RPM) last. */
export const DEFAULT_SIMULATION_PROVIDERS: readonly ProviderId[] = ['openai', 'anthropic', 'xai', 'deepseek', 'moonshot', 'google'];

interface SimProfile {
  readonly tier: string;
  readonly limits: MockLimits;
  /** Median time to the answer's first token, simulated ms. */
  readonly firstTokenMedianMs: number;
}

const PROFILES: Readonly<Record<ProviderId, SimProfile>> = {
  openai: { tier: 'OpenAI tier 1, gpt-4o', limits: { requestsPerMinute: 500, tokensPerMinute: 30_000 }, firstTokenMedianMs: 600 },
  anthropic: { tier: 'Anthropic tier 1, Claude Sonnet', limits: { requestsPerMinute: 50, inputTokensPerMinute: 30_000, outputTokensPerMinute: 8_000 }, firstTokenMedianMs: 900 },
  xai: { tier: 'xAI, 8 requests per second', limits: { requestsPerMinute: 480, tokensPerMinute: 100_000 }, firstTokenMedianMs: 700 },
  deepseek: { tier: 'DeepSeek (holds requests over its capacity)', limits: { requestsPerMinute: 60, tokensPerMinute: 60_000 }, firstTokenMedianMs: 1_200 },
  moonshot: { tier: 'Moonshot tier 1', limits: { requestsPerMinute: 200, tokensPerMinute: 128_000, tokensPerDay: 10_000_000, maxConcurrent: 50 }, firstTokenMedianMs: 800 },
  google: { tier: 'Gemini free tier, gemini-2.0-flash', limits: { requestsPerMinute: 15, tokensPerMinute: 1_000_000, requestsPerDay: 1_500 }, firstTokenMedianMs: 400 },
};

const MOCK_PROVIDER: Readonly<Record<ProviderId, MockProvider>> = { openai: 'openai', anthropic: 'anthropic', google: 'google', xai: 'xai', deepseek: 'deepseek', moonshot: 'moonshot' };

/** The mock key of a provider in a simulation. Not a secret: the mock is ours. */
export const simulationKey = (id: ProviderId): string => `sk-sim-${id}`;
export const WARM_UP_KEY = 'sk-sim-warm-up';

export function providerTier(id: ProviderId): string {
  return PROFILES[id].tier;
}

export function providerLimits(id: ProviderId): MockLimits {
  return PROFILES[id].limits;
}

/** The mock server's keys: one per provider of the run, and one without limits to warm up on. */
export function simulationMockKeys(providers: readonly ProviderId[]): Record<string, MockKeyConfig> {
  const keys: Record<string, MockKeyConfig> = { [WARM_UP_KEY]: { provider: 'openai', outputTokens: 20, latency: { timeToFirstTokenMs: 1 } } };
  for (const id of providers) {
    const profile = PROFILES[id];
    keys[simulationKey(id)] = {
      provider: MOCK_PROVIDER[id],
      limits: profile.limits,
      outputTokens: { min: 60, max: 220 },
      tokensPerChunk: 4,
      latency: { timeToFirstTokenMs: { kind: 'lognormal', medianMs: profile.firstTokenMedianMs, sigma: 0.35 }, perChunkMs: { kind: 'uniform', minMs: 8, maxMs: 16 } },
    };
  }
  return keys;
}

/** The client's limits for a provider: the ones it enforces, as a user would configure them. */
export function clientLimits(id: ProviderId, extra: Partial<RateLimiterOptions>): Omit<RateLimiterOptions, 'name' | 'clock' | 'store'> {
  const l = PROFILES[id].limits;
  const burstSeconds = PROVIDER_SPECS[id].requestBurstSeconds;
  return {
    ...(l.requestsPerMinute !== undefined ? { requestsPerMinute: l.requestsPerMinute } : {}),
    ...(l.tokensPerMinute !== undefined ? { tokensPerMinute: l.tokensPerMinute } : {}),
    ...(l.inputTokensPerMinute !== undefined ? { inputTokensPerMinute: l.inputTokensPerMinute } : {}),
    ...(l.outputTokensPerMinute !== undefined ? { outputTokensPerMinute: l.outputTokensPerMinute } : {}),
    ...(l.requestsPerDay !== undefined ? { requestsPerDay: l.requestsPerDay } : {}),
    ...(l.tokensPerDay !== undefined ? { tokensPerDay: l.tokensPerDay } : {}),
    ...(l.maxConcurrent !== undefined ? { maxConcurrent: l.maxConcurrent } : {}),
    ...(burstSeconds && l.requestsPerMinute ? { burst: { requestsPerMinute: Math.max(1, (l.requestsPerMinute * burstSeconds) / 60) } } : {}),
    ...extra,
  };
}

/** Where the client finds the mock's surface of a provider. */
export function mockBaseURL(mockUrl: string, id: ProviderId): string {
  return `${mockUrl}${PROVIDER_SPECS[id].surface === 'gemini' ? '/v1beta' : '/v1'}`;
}

/** Connection of a provider to the mock: key and base URL over whatever else the options say. */
export function connectToMock(id: ProviderId, mockUrl: string, options: ProviderOptions): ProviderOptions {
  return { ...options, apiKey: simulationKey(id), baseURL: mockBaseURL(mockUrl, id) };
}
