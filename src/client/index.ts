export { UnifiedLLMClient, type ChatOptions, type ChatResult, type StreamChunk } from './unified-client.js';
export type { UnifiedLLMClientOptions, ProviderOptions, FallbackTarget } from './client-options.js';
export { resilientFetch, type ResilientFetchOptions } from './resilient-fetch.js';
