/**
 * The keys `llm-resilience mock` serves with no configuration: one realistic key per provider
 * (limits of a typical first paid tier; Google's free tier), and one out-of-quota key per provider.
 */
import type { MockKeyConfig, MockProvider } from './options.js';

const workingKeys: Record<string, MockKeyConfig> = {
  // OpenAI tier 1, gpt-4o-mini.
  'sk-mock-openai': { provider: 'openai', limits: { requestsPerMinute: 500, tokensPerMinute: 200_000, requestsPerDay: 10_000 } },
  // Anthropic tier 1, Claude Sonnet: RPM, ITPM and OTPM separately.
  'sk-mock-anthropic': { provider: 'anthropic', limits: { requestsPerMinute: 50, inputTokensPerMinute: 30_000, outputTokensPerMinute: 8_000 } },
  // Gemini free tier, gemini-2.0-flash.
  'sk-mock-google': { provider: 'google', limits: { requestsPerMinute: 15, tokensPerMinute: 1_000_000, requestsPerDay: 1_500 } },
  // xAI: 480 RPM enforced as 8 requests per second.
  'sk-mock-xai': { provider: 'xai', limits: { requestsPerMinute: 480, tokensPerMinute: 2_000_000 } },
  // DeepSeek documents no limit; the mock holds requests beyond these with keep-alives.
  'sk-mock-deepseek': { provider: 'deepseek', limits: { requestsPerMinute: 600, tokensPerMinute: 1_000_000 } },
  // Moonshot tier 1: concurrency, RPM, TPM and TPD.
  'sk-mock-moonshot': { provider: 'moonshot', limits: { requestsPerMinute: 200, tokensPerMinute: 128_000, tokensPerDay: 10_000_000, maxConcurrent: 50 } },
};

const providers: MockProvider[] = ['openai', 'anthropic', 'google', 'xai', 'deepseek', 'moonshot'];

/**
 * The default key set: `sk-mock-<provider>` with the limits above, and
 * `sk-mock-<provider>-no-quota`, an out-of-quota key answering with the provider's quota error.
 */
export const DEFAULT_MOCK_KEYS: Readonly<Record<string, MockKeyConfig>> = {
  ...workingKeys,
  ...Object.fromEntries(providers.map((provider) => [`sk-mock-${provider}-no-quota`, { provider, quotaExhausted: true } satisfies MockKeyConfig])),
};
