/**
 * `createClientFromConfig()`: the seeds' way of starting. Reads `config/resilience.yaml` (if any) and
 * the environment, connects the Redis store when `redis.url` is set, and builds the client; code
 * options win over the configuration.
 */
import { UnifiedLLMClient } from '../client/unified-client.js';
import type { UnifiedLLMClientOptions } from '../client/client-options.js';
import { consoleLoggerFor } from './logger-from-config.js';
import { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load-config.js';
import { redisStoreFromConfig } from '../redis/redis-from-config.js';
import { clientOptionsFromConfig } from './to-options.js';

export interface ConfiguredClient {
  readonly client: UnifiedLLMClient;
  readonly config: LoadedConfig;
  /** Closes the client and the Redis connection made for it. */
  close(): void;
}

export async function createClientFromConfig(options: LoadConfigOptions & { client?: UnifiedLLMClientOptions } = {}): Promise<ConfiguredClient> {
  const loaded = loadConfig(options);
  const redis = await redisStoreFromConfig(loaded.config);
  const fromConfig = clientOptionsFromConfig(loaded.config);
  const code = options.client ?? {};
  const client = new UnifiedLLMClient({
    ...fromConfig,
    ...(redis ? { store: redis.store } : {}),
    logger: consoleLoggerFor(loaded.config),
    ...(options.env ? { env: options.env } : {}),
    ...code,
    providers: mergeProviders(fromConfig.providers, code.providers),
  });
  return {
    client,
    config: loaded,
    close: () => {
      client.close();
      redis?.close();
    },
  };
}

function mergeProviders(base: UnifiedLLMClientOptions['providers'], over: UnifiedLLMClientOptions['providers']): UnifiedLLMClientOptions['providers'] {
  const out = { ...base };
  for (const [id, value] of Object.entries(over ?? {})) out[id as keyof typeof out] = { ...out[id as keyof typeof out], ...value };
  return out;
}
