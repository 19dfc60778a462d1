export { PROVIDER_IDS, type ProviderId, type ApiSurface, type ChatMessage, type ChatRequest, type ChatCompletion, type ChatUsage, type StreamEvent } from './types.js';
export { PROVIDER_SPECS, providerOfModel, type ProviderSpec } from './provider-specs.js';
export { DEFAULT_ACCOUNTING, admissionCharge, estimateInputTokens, keptCharge, type AccountingModel, type ChargeRule } from './accounting.js';
export { parseRateLimitHeaders, parseOpenAIRateLimitHeaders, parseAnthropicRateLimitHeaders, parseMoonshotRateLimitHeaders } from './rate-limit-headers.js';
export { parseGoDurationMs } from './go-duration.js';
export { SseParser, type SseEvent } from './sse-parser.js';
export { errorFromResponse } from './response-error.js';
export { countTokens } from './tokenizer.js';
export { STREAM_DEFAULTS, type StreamTimeouts } from './chat-stream.js';
