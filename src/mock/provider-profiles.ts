/**
 * What differs between the providers the mock imitates, in one table: the API surface, the
 * default accounting, which headers are sent, whether over-limit requests are refused or held,
 * and the models listed. Sources: ../shared/PROVIDERS.md.
 */
import type { DailyReset } from '../core/calendar-day.js';
import type { AccountingModel, MockProvider } from './options.js';

/** The three wire formats the mock speaks. */
export type Surface = 'openai' | 'anthropic' | 'gemini';

/** Which rate-limit headers a provider sends. */
export type RateLimitHeaderStyle = 'openai' | 'anthropic' | 'moonshot' | 'none';

/** The behaviour of one provider. */
export interface ProviderProfile {
  readonly provider: MockProvider;
  readonly surface: Surface;
  readonly accounting: AccountingModel;
  readonly headerStyle: RateLimitHeaderStyle;
  /** `retry-after` (and OpenAI's `retry-after-ms`) on a 429. */
  readonly retryAfterHeader: boolean;
  /** Header carrying the request id, if any. */
  readonly requestIdHeader: string | undefined;
  /** Default request-bucket capacity, in seconds of the RPM rate (xAI: 1, everyone else: 60). */
  readonly requestBurstSeconds: number;
  readonly overLimit: 'reject' | 'wait';
  /** Writes keep-alives while a response is slow to come (DeepSeek). */
  readonly keepAliveWhileSlow: boolean;
  /** How per-day limits reset by default. */
  readonly dailyReset: DailyReset;
  /** Moonshot puts the stream's usage inside the last choice rather than in a usage chunk. */
  readonly usageInLastChoice: boolean;
  readonly models: readonly string[];
}

const openaiFamily = {
  surface: 'openai',
  accounting: 'openai',
  requestIdHeader: 'x-request-id',
  requestBurstSeconds: 60,
  overLimit: 'reject',
  keepAliveWhileSlow: false,
  dailyReset: 'continuous',
  usageInLastChoice: false,
} as const;

/** Every provider's profile. */
export const PROVIDER_PROFILES: Readonly<Record<MockProvider, ProviderProfile>> = {
  openai: { ...openaiFamily, provider: 'openai', headerStyle: 'openai', retryAfterHeader: true, models: ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'o4-mini'] },
  // xAI documents no rate-limit headers; its per-second cap (RPS = RPM / 60) is the burst.
  xai: { ...openaiFamily, provider: 'xai', headerStyle: 'none', retryAfterHeader: false, requestBurstSeconds: 1, models: ['grok-3-mini', 'grok-3', 'grok-4'] },
  // DeepSeek sends no rate-limit headers and holds over-limit requests open with keep-alives.
  deepseek: { ...openaiFamily, provider: 'deepseek', headerStyle: 'none', retryAfterHeader: false, overLimit: 'wait', keepAliveWhileSlow: true, models: ['deepseek-chat', 'deepseek-reasoner'] },
  moonshot: { ...openaiFamily, provider: 'moonshot', headerStyle: 'moonshot', retryAfterHeader: false, usageInLastChoice: true, models: ['kimi-k2-0711-preview', 'moonshot-v1-8k', 'moonshot-v1-32k'] },
  anthropic: {
    provider: 'anthropic',
    surface: 'anthropic',
    accounting: 'anthropic',
    headerStyle: 'anthropic',
    retryAfterHeader: true,
    requestIdHeader: 'request-id',
    requestBurstSeconds: 60,
    overLimit: 'reject',
    keepAliveWhileSlow: false,
    dailyReset: 'continuous',
    usageInLastChoice: false,
    models: ['claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022', 'claude-opus-4-20250514'],
  },
  // Gemini sends no rate-limit headers: a 429's wait is in the body (RetryInfo).
  google: {
    provider: 'google',
    surface: 'gemini',
    accounting: 'gemini',
    headerStyle: 'none',
    retryAfterHeader: false,
    requestIdHeader: undefined,
    requestBurstSeconds: 60,
    overLimit: 'reject',
    keepAliveWhileSlow: false,
    dailyReset: 'midnight-pacific',
    usageInLastChoice: false,
    models: ['gemini-2.0-flash', 'gemini-2.5-flash', 'gemini-2.5-pro'],
  },
};

/** The providers, in a fixed order. */
export const MOCK_PROVIDERS: readonly MockProvider[] = ['openai', 'anthropic', 'google', 'xai', 'deepseek', 'moonshot'];
