/**
 * Key layout of one service's shared breaker state. All keys share the hash tag `{service}`, so the
 * breaker script touches a single Cluster slot (bottleneck#180's CROSSSLOT); the prefix separates
 * applications sharing one Redis:
 *   `${prefix}:{${service}}:breaker:reports` sorted set: process id -> open until (ms, Redis time)
 *   `${prefix}:{${service}}:breaker:probes`  sorted set: probe token -> expiry (ms, Redis time)
 *   `${prefix}:{${service}}:breaker:closed`  string: Redis time of the last close published
 * Every key carries a TTL that covers its content (see breaker-script.ts).
 */
import { ConfigError } from '../core/errors.js';

/** The keys of one service's breaker state, in the order the breaker script expects them (KEYS[1..3]). */
export interface BreakerKeys {
  readonly reports: string;
  readonly probes: string;
  readonly closed: string;
  /** All of them, KEYS order. */
  readonly all: readonly string[];
}

/** Builds the keys of `service`; braces are refused in both parts (they would move the hash tag). */
export function breakerKeys(prefix: string, service: string): BreakerKeys {
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) throw new ConfigError('redis.prefix', prefix, 'a prefix without { or }');
  if (typeof service !== 'string' || service.length === 0 || /[{}]/.test(service)) {
    throw new ConfigError('redisBreakerState.service', service, 'a non-empty service name without { or }');
  }
  const base = `${prefix}:{${service}}:breaker`;
  const keys = { reports: `${base}:reports`, probes: `${base}:probes`, closed: `${base}:closed` };
  return { ...keys, all: [keys.reports, keys.probes, keys.closed] };
}
