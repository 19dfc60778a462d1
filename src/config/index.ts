/** `llm-resilience/config`: `config/resilience.yaml` and the environment, validated by one schema (Node). */
export { resilienceConfigSchema, type ProviderLimitsConfig, type ResilienceConfig, type ResilienceConfigInput } from './schema.js';
export { ConfigValidationError, formatIssue, type ConfigIssue } from './config-error.js';
export { ENV_VARIABLES, envOverrides, type EnvVariable } from './env-overrides.js';
export { MAX_CONFIG_CHARS, parseConfigYaml } from './parse-yaml.js';
export { resolveConfig, type ResolvedConfig, type ResolveInput } from './resolve-config.js';
export { DEFAULT_CONFIG_PATH, loadConfig, type LoadConfigOptions, type LoadedConfig } from './load-config.js';
export { breakerFromConfig, clientOptionsFromConfig, limitsFromConfig, retryFromConfig, servicesFromConfig } from './to-options.js';
export { consoleLoggerFor } from './logger-from-config.js';
export { createClientFromConfig, type ConfiguredClient } from './create-client.js';
export { redisStoreFromConfig, type ConfiguredRedisStore } from '../redis/redis-from-config.js';
export { configRows, configTableMarkdown, type ConfigRow } from './config-table.js';
