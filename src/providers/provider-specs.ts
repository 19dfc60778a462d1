/**
 * What we know of each provider: its wire format, where it lives, where its key is found, how it
 * counts tokens against its limits, its defaults. The seeds' default limits are conservative
 * (free-tier); set your tier's limits, and the provider's headers lower them when they are too high.
 */
import { type AccountingModel, DEFAULT_ACCOUNTING } from './accounting.js';
import type { WireAdapter } from './adapters/adapter.js';
import { anthropicWire } from './adapters/anthropic-wire.js';
import { geminiWire } from './adapters/gemini-wire.js';
import { openAIWire } from './adapters/openai-wire.js';
import type { ApiSurface, ProviderId } from './types.js';

export interface ProviderSpec {
  readonly id: ProviderId;
  readonly surface: ApiSurface;
  readonly wire: WireAdapter;
  readonly baseURL: string;
  /** Environment variables that may hold the API key, in order. */
  readonly apiKeyEnv: readonly string[];
  readonly defaultModel: string;
  /** Models that belong to this provider (to route `preferredModel`). */
  readonly modelPattern: RegExp;
  readonly accounting: AccountingModel;
  readonly defaultMaxTokens: number;
  /** The seeds' defaults, used when nothing is configured. */
  readonly defaultLimits: { requestsPerMinute: number; tokensPerMinute?: number; inputTokensPerMinute?: number; outputTokensPerMinute?: number };
  /** Requests-per-minute burst in seconds of rate (xAI enforces RPM/60 per second). Default: a minute. */
  readonly requestBurstSeconds?: number;
  /** How the provider's per-day limits come back, when not continuously (Gemini: at midnight Pacific). */
  readonly dailyReset?: 'midnight-utc' | 'midnight-pacific';
  /**
   * The default of `rateLimit.perModel` (one limiter per model) for this provider. On only where
   * the provider scopes limits per model AND its headers tell each model's own limits, so that
   * each limiter learns its own: OpenAI ("limits are defined per model"; `x-ratelimit-*` on each
   * response are that model's). Off elsewhere, because splitting a limit that is shared multiplies
   * it: Anthropic shares limits across a model class (dated and alias IDs of Sonnet draw on one
   * bucket), Moonshot and DeepSeek limit the account, and Gemini and xAI, although per model,
   * send no headers, so N models' limiters would each start from the same guessed default and
   * together admit N times it.
   */
  readonly limitsPerModel?: boolean;
}

const openAICompatible = (
  id: ProviderId,
  baseURL: string,
  apiKeyEnv: readonly string[],
  defaultModel: string,
  modelPattern: RegExp,
  defaultLimits: ProviderSpec['defaultLimits'],
  extra: Partial<ProviderSpec> = {},
): ProviderSpec => ({
  id,
  surface: 'openai',
  wire: openAIWire(id),
  baseURL,
  apiKeyEnv,
  defaultModel,
  modelPattern,
  accounting: DEFAULT_ACCOUNTING,
  defaultMaxTokens: 1024,
  defaultLimits,
  ...extra,
});

export const PROVIDER_SPECS: Readonly<Record<ProviderId, ProviderSpec>> = {
  openai: openAICompatible('openai', 'https://api.openai.com/v1', ['OPENAI_API_KEY'], 'gpt-4o-mini', /^(gpt-|o\d|chatgpt-)/i, { requestsPerMinute: 60, tokensPerMinute: 90_000 }, { limitsPerModel: true }),
  anthropic: {
    id: 'anthropic',
    surface: 'anthropic',
    wire: anthropicWire('anthropic'),
    baseURL: 'https://api.anthropic.com/v1',
    apiKeyEnv: ['ANTHROPIC_API_KEY'],
    defaultModel: 'claude-haiku-4-5',
    modelPattern: /^claude-/i,
    // Input to ITPM, output to OTPM; unused output is given back; client-side counts run 10-30 % off.
    accounting: { charge: 'input+max_tokens', refundUnusedOutput: true, charsPerToken: 3.5, safetyMargin: 0.2 },
    defaultMaxTokens: 1024,
    defaultLimits: { requestsPerMinute: 50, inputTokensPerMinute: 100_000, outputTokensPerMinute: 20_000 },
  },
  google: {
    id: 'google',
    surface: 'gemini',
    wire: geminiWire('google'),
    baseURL: 'https://generativelanguage.googleapis.com/v1beta',
    apiKeyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
    defaultModel: 'gemini-2.5-flash',
    // "Requests per day (RPD) quotas reset at midnight Pacific time" (ai.google.dev/gemini-api/docs/rate-limits).
    dailyReset: 'midnight-pacific',
    modelPattern: /^gemini-/i,
    accounting: { charge: 'input', refundUnusedOutput: true, charsPerToken: 4, safetyMargin: 0.1 },
    defaultMaxTokens: 1024,
    defaultLimits: { requestsPerMinute: 60, tokensPerMinute: 120_000 },
  },
  xai: openAICompatible('xai', 'https://api.x.ai/v1', ['XAI_API_KEY'], 'grok-3-mini', /^grok-/i, { requestsPerMinute: 60, tokensPerMinute: 100_000 }, { requestBurstSeconds: 1 }),
  deepseek: openAICompatible('deepseek', 'https://api.deepseek.com/v1', ['DEEPSEEK_API_KEY'], 'deepseek-chat', /^deepseek-/i, { requestsPerMinute: 60, tokensPerMinute: 100_000 }),
  moonshot: openAICompatible('moonshot', 'https://api.moonshot.ai/v1', ['MOONSHOT_API_KEY'], 'moonshot-v1-8k', /^(moonshot-|kimi-)/i, { requestsPerMinute: 60, tokensPerMinute: 100_000 }),
};

/** The provider a model belongs to, if any. */
export function providerOfModel(model: string): ProviderId | undefined {
  for (const spec of Object.values(PROVIDER_SPECS)) if (spec.modelPattern.test(model)) return spec.id;
  return undefined;
}
