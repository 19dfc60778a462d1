/** The UnifiedLLMClient of a run (in process, or in each fleet worker), pointed at the mock. */
import type { ProviderOptions, UnifiedLLMClientOptions } from '../client/client-options.js';
import { UnifiedLLMClient } from '../client/unified-client.js';
import type { Clock } from '../core/clock.js';
import type { AnyLimiterStore } from '../limiter/shared-store.js';
import { PROVIDER_SPECS } from '../providers/provider-specs.js';
import type { ProviderId } from '../providers/types.js';
import { clientLimits, connectToMock, WARM_UP_KEY } from './sim-providers.js';

/** Real stall of this process the limiter's provider delay covers (GC, compilation). */
const STALL_ALLOWANCE_REAL_MS = 150;

export interface ClientSetup {
  readonly providers: readonly ProviderId[];
  readonly speed: number;
  readonly mockUrl: string;
  readonly clock: Clock;
  /** Options from a configuration file (limits, breaker, retry). */
  readonly configured?: UnifiedLLMClientOptions;
  readonly store?: AnyLimiterStore;
  /** Share breaker state through the store (fleet runs). */
  readonly sharedBreakers?: boolean;
}

export function simulationClientOptions(setup: ClientSetup): UnifiedLLMClientOptions {
  const { configured, providers, speed } = setup;
  // The limiter charges the time from its admission to the provider's up front; in compressed time
  // a real stall of this process is `speed` times longer, so the allowance grows with the speed.
  const providerDelayMs = Math.max(100, STALL_ALLOWANCE_REAL_MS * speed);
  const options: Partial<Record<ProviderId, ProviderOptions>> = {};
  for (const id of providers) {
    const own = configured?.providers?.[id];
    const rateLimit = own?.rateLimit === false ? false : { ...(own?.rateLimit ?? clientLimits(id, { maxWaitMs: 20_000 })), providerDelayMs };
    const breaker = own?.circuitBreaker ?? { failureThreshold: 5, successThreshold: 2, openMs: 30_000 };
    options[id] = connectToMock(id, setup.mockUrl, {
      maxTokens: 256,
      timeoutMs: 20_000,
      retry: { maxRetries: 2, baseDelayMs: 1_000, maxDelayMs: 15_000 },
      ...own,
      circuitBreaker: breaker !== false && setup.sharedBreakers ? { ...breaker, shared: true } : breaker,
      rateLimit,
    });
  }
  return {
    quotaCooldownMs: 300_000,
    ...configured,
    providers: options,
    preferredModel: PROVIDER_SPECS[providers[0]!].defaultModel,
    fallback: providers.slice(1),
    env: {},
    clock: setup.clock,
    ...(setup.store ? { store: setup.store } : {}),
  };
}

/** Compiles the request path (client and mock) on a key without limits before the measured run. */
export async function warmUp(mockUrl: string, clock: Clock): Promise<void> {
  const client = new UnifiedLLMClient({ env: {}, clock, providers: { openai: { apiKey: WARM_UP_KEY, baseURL: `${mockUrl}/v1`, rateLimit: false, circuitBreaker: false, retry: false } } });
  try {
    for (let round = 0; round < 2; round++) {
      await Promise.all(Array.from({ length: 32 }, (_, i) => client.chat({ messages: [{ role: 'user', content: `warm-up ${round}.${i} ${'x'.repeat(400)}` }], maxTokens: 20 })));
    }
  } finally {
    client.close();
  }
}
