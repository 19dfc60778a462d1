/**
 * Environment variables that override the file: the seeds' names (`OMEGA_*`, `<PROVIDER>_TPM_LIMIT`)
 * and ours for what the seeds did not have (`OMEGA_REDIS_*`, `OMEGA_LOG_*`). Where two name the
 * same setting, `OMEGA_<PROVIDER>_MAX_TPM` wins over `<PROVIDER>_TPM_LIMIT`.
 */
import { PROVIDER_IDS, type ProviderId } from '../providers/types.js';
import type { ConfigIssue } from './config-error.js';

type Kind = 'number' | 'boolean' | 'string';

/** One variable: the YAML path it sets and how its text is read. */
export interface EnvVariable {
  readonly name: string;
  readonly path: readonly string[];
  readonly kind: Kind;
}

/** The provider part of a variable's name. */
const ENV_NAME: Record<ProviderId, string> = { openai: 'OPENAI', anthropic: 'ANTHROPIC', google: 'GOOGLE', xai: 'XAI', deepseek: 'DEEPSEEK', moonshot: 'MOONSHOT' };

/** Every variable read, lowest precedence first (a later one setting the same path wins). */
export const ENV_VARIABLES: readonly EnvVariable[] = [
  { name: 'OMEGA_CIRCUIT_BREAKER_ENABLED', path: ['circuit_breaker', 'enabled'], kind: 'boolean' },
  { name: 'OMEGA_CIRCUIT_FAILURE_THRESHOLD', path: ['circuit_breaker', 'failure_threshold'], kind: 'number' },
  { name: 'OMEGA_CIRCUIT_SUCCESS_THRESHOLD', path: ['circuit_breaker', 'success_threshold'], kind: 'number' },
  { name: 'OMEGA_CIRCUIT_TIMEOUT_SECONDS', path: ['circuit_breaker', 'timeout_seconds'], kind: 'number' },
  { name: 'OMEGA_CIRCUIT_SHARED', path: ['circuit_breaker', 'shared'], kind: 'boolean' },
  { name: 'OMEGA_RATE_LIMITING_ENABLED', path: ['rate_limiting', 'enabled'], kind: 'boolean' },
  ...PROVIDER_IDS.flatMap((id): EnvVariable[] => [
    { name: `${ENV_NAME[id]}_TPM_LIMIT`, path: ['rate_limiting', id, 'max_tokens_per_minute'], kind: 'number' },
    { name: `OMEGA_${ENV_NAME[id]}_MAX_RPM`, path: ['rate_limiting', id, 'max_requests_per_minute'], kind: 'number' },
    { name: `OMEGA_${ENV_NAME[id]}_MAX_TPM`, path: ['rate_limiting', id, 'max_tokens_per_minute'], kind: 'number' },
    { name: `OMEGA_${ENV_NAME[id]}_MAX_CONCURRENT`, path: ['rate_limiting', id, 'max_concurrent_requests'], kind: 'number' },
  ]),
  { name: 'OMEGA_BACKOFF_BASE_DELAY', path: ['backoff', 'base_delay'], kind: 'number' },
  { name: 'OMEGA_BACKOFF_MAX_DELAY', path: ['backoff', 'max_delay'], kind: 'number' },
  { name: 'OMEGA_MAX_RETRIES', path: ['resilience', 'max_retries'], kind: 'number' },
  { name: 'OMEGA_REDIS_URL', path: ['redis', 'url'], kind: 'string' },
  { name: 'OMEGA_REDIS_PREFIX', path: ['redis', 'prefix'], kind: 'string' },
  { name: 'OMEGA_REDIS_TIMEOUT_SECONDS', path: ['redis', 'timeout_seconds'], kind: 'number' },
  { name: 'OMEGA_REDIS_FAIL_MODE', path: ['redis', 'fail_mode'], kind: 'string' },
  { name: 'OMEGA_REDIS_LOCAL_SHARE', path: ['redis', 'local_share'], kind: 'number' },
  { name: 'OMEGA_LOG_LEVEL', path: ['logging', 'level'], kind: 'string' },
  { name: 'OMEGA_LOG_FORMAT', path: ['logging', 'format'], kind: 'string' },
];

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export interface EnvOverrides {
  /** The values set, as a partial configuration object. */
  readonly values: Record<string, unknown>;
  /** Dotted path -> the variable that set it. */
  readonly sources: ReadonlyMap<string, string>;
  /** Variables whose text is not of their kind. */
  readonly issues: readonly ConfigIssue[];
}

/** Reads the variables of ENV_VARIABLES that are set (and not empty) in `env`. */
export function envOverrides(env: Readonly<Record<string, string | undefined>>): EnvOverrides {
  const values: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  for (const variable of ENV_VARIABLES) {
    const text = env[variable.name]?.trim();
    if (text === undefined || text === '') continue;
    const path = variable.path.join('.');
    const value = read(text, variable.kind);
    if (value === undefined) {
      issues.push({ path, value: text, expected: variable.kind === 'number' ? 'a number' : 'true or false', source: `env ${variable.name}` });
      continue;
    }
    setPath(values, variable.path, value);
    sources.set(path, `env ${variable.name}`);
  }
  return { values, sources, issues };
}

function read(text: string, kind: Kind): unknown {
  if (kind === 'string') return text;
  if (kind === 'boolean') return TRUE.has(text.toLowerCase()) ? true : FALSE.has(text.toLowerCase()) ? false : undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
