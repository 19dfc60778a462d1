/**
 * Our two clients, configured only with what they are told (as the README shows a user doing):
 * the SDK with `resilientFetch` (and the SDK's own retries off, as documented) on a
 * `createResilience` service, and `UnifiedLLMClient` with only OpenAI configured, no fallback and
 * its default retries. Told nothing, the resilientFetch service has no `rateLimit` and the
 * client's provider no `rateLimit`: both are left to what they learn from the provider's headers
 * (and, for the client, its built-in defaults).
 */
import { resilientFetch } from '../../src/client/resilient-fetch.js';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import type { RateLimiterOptions } from '../../src/limiter/limiter-options.js';
import { createResilience } from '../../src/policy/resilience.js';
import { sdkCall, type Subject } from './subject.js';
import type { ToldLimits } from './workload.js';

/** Told limits as our limiter's options (a burst only when one is known). */
function rateLimitOf(told: ToldLimits): Omit<RateLimiterOptions, 'name' | 'clock' | 'store'> {
  return {
    requestsPerMinute: told.requestsPerMinute,
    tokensPerMinute: told.tokensPerMinute,
    ...(told.burst ? { burst: { requestsPerMinute: told.burst.requests, tokensPerMinute: told.burst.tokens } } : {}),
  };
}

export const sdkWithResilientFetch: Subject = {
  id: 'resilient-fetch',
  label: 'SDK + resilientFetch',
  ours: true,
  open(target) {
    const { told, store } = target;
    const resilience = createResilience({ services: { openai: told ? { rateLimit: rateLimitOf(told) } : {} }, ...(store ? { store } : {}) });
    return {
      call: sdkCall(target, { maxRetries: 0, fetch: resilientFetch({ service: 'openai', resilience }) }),
      close: async () => resilience.close(),
    };
  },
};

export const unifiedClient: Subject = {
  id: 'unified',
  label: 'UnifiedLLMClient',
  ours: true,
  open({ url, apiKey, told, workload, store }) {
    const llm = new UnifiedLLMClient({
      env: {},
      providers: { openai: { apiKey, baseURL: `${url}/v1`, ...(told ? { rateLimit: rateLimitOf(told) } : {}) } },
      fallback: [],
      ...(store ? { store } : {}),
    });
    const messages = [{ role: 'user' as const, content: workload.prompt }];
    return {
      call: (signal) => llm.chat({ messages, maxTokens: workload.maxTokens, signal }),
      close: async () => llm.close(),
    };
  },
};
