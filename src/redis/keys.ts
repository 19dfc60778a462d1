/**
 * Key layout of one limiter in Redis. All keys share the hash tag `{key}`, so a limiter's script
 * touches a single Cluster slot (bottleneck#180's CROSSSLOT):
 *   `${prefix}:{${key}}:tat`    hash: dimension index -> TAT (ms), 'p' -> pause-until, 'x' -> its expiry
 *   `${prefix}:{${key}}:leases` sorted set: lease id -> expiry (ms, Redis time)
 *   `${prefix}:{${key}}:cfg`    string: fingerprint of the last caller's limits
 *   `${prefix}:{${key}}:procs`  sorted set: live process id -> expiry (ms, Redis time)
 * Every key carries a TTL that covers its state (see admission-script.ts).
 */
import { ConfigError } from '../core/errors.js';

/** The default key prefix. */
export const DEFAULT_PREFIX = 'llmr';

/** The keys of one limiter, in the order the admission script expects them (KEYS[1..4]). */
export interface LimiterKeys {
  readonly tat: string;
  readonly leases: string;
  readonly config: string;
  readonly processes: string;
  /** All of them, KEYS order. */
  readonly all: readonly string[];
}

/** Builds the keys of limiter `key`; braces are refused in both parts (they would move the hash tag). */
export function limiterKeys(prefix: string, key: string): LimiterKeys {
  if (/[{}]/.test(prefix)) throw new ConfigError('redis.prefix', prefix, 'a prefix without { or }');
  if (key.length === 0 || /[{}]/.test(key)) throw new ConfigError('rateLimit.key', key, 'a non-empty key without { or }');
  const base = `${prefix}:{${key}}`;
  const keys = { tat: `${base}:tat`, leases: `${base}:leases`, config: `${base}:cfg`, processes: `${base}:procs` };
  return { ...keys, all: [keys.tat, keys.leases, keys.config, keys.processes] };
}
