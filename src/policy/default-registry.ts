/**
 * The seeds' module-level API, on one default registry: `rateLimited(service, fn)`, the
 * `@RateLimited(service)` decorator, `getAllRateLimitStats()`, `getAllCircuitBreakerStats()`,
 * `getHealthStatus()`, `resetCircuitBreaker(service)`.
 *
 * The default registry creates a service on first use with the seeds' breaker and backoff
 * defaults and no rate limit; `configureResilience(options)` replaces it (the YAML and
 * environment loader does this for you).
 */
import type { CircuitBreakerStats } from '../breaker/breaker-stats.js';
import type { RateLimiterStats } from '../limiter/rate-limiter.js';
import type { AttemptContext } from './attempt-context.js';
import type { HealthStatus } from './health.js';
import type { ExecuteOptions } from './pipeline.js';
import { createResilience, type Resilience, type ResilienceOptions } from './resilience.js';

let registry: Resilience | undefined;

/** The registry behind the module-level functions. */
export function getDefaultResilience(): Resilience {
  return (registry ??= createResilience({ defaults: {} }));
}

/** Replaces the default registry (services not listed are still created from `defaults`, `{}` if omitted). */
export function configureResilience(options: ResilienceOptions): Resilience {
  registry = createResilience({ defaults: {}, ...options });
  return registry;
}

/** Per-call options of a wrapped function: fixed, or computed from its arguments (e.g. tokens from the prompt). */
export type RateLimitedOptions<A extends unknown[], R> = Omit<ExecuteOptions<R>, 'tokens' | 'inputTokens' | 'outputTokens'> & {
  tokens?: number | ((...args: A) => number);
  inputTokens?: number | ((...args: A) => number);
  outputTokens?: number | ((...args: A) => number);
};

const resolve = <A extends unknown[]>(value: number | ((...args: A) => number) | undefined, args: A): number | undefined =>
  typeof value === 'function' ? value(...args) : value;

/**
 * Wraps `fn` so that every call goes through the service's rate limiter, circuit breaker and
 * retries (the seeds' `@rate_limited("openai")`).
 *
 * ```ts
 * const chat = rateLimited('openai', (prompt: string) => client.chat(prompt), { tokens: (p) => p.length / 4 + 500 });
 * await chat('Summarise this alert');
 * ```
 */
export function rateLimited<A extends unknown[], R>(
  service: string,
  fn: (...args: A) => Promise<R> | R,
  options: RateLimitedOptions<A, R> = {},
  resilience?: Resilience,
): (...args: A) => Promise<Awaited<R>> {
  const { tokens, inputTokens, outputTokens, ...rest } = options;
  const dynamic = typeof tokens === 'function' || typeof inputTokens === 'function' || typeof outputTokens === 'function';
  const fixed: ExecuteOptions<Awaited<R>> = { ...(rest as ExecuteOptions<Awaited<R>>), tokens: tokens as number | undefined, inputTokens: inputTokens as number | undefined, outputTokens: outputTokens as number | undefined };
  return function (this: unknown, ...args: A): Promise<Awaited<R>> {
    const executeOptions = dynamic
      ? { ...fixed, tokens: resolve(tokens, args), inputTokens: resolve(inputTokens, args), outputTokens: resolve(outputTokens, args) }
      : fixed;
    const call = (_context: AttemptContext): Promise<Awaited<R>> => Promise.resolve(fn.apply(this, args)) as Promise<Awaited<R>>;
    return (resilience ?? getDefaultResilience()).execute(service, call, executeOptions);
  };
}

/**
 * Method decorator (TypeScript 5 standard decorators): every call of the method goes through
 * the service's pipeline on the default registry (or the one given).
 *
 * ```ts
 * class AlertClassifier {
 *   @RateLimited('openai', { tokens: 800 })
 *   async classify(alert: string) { ... }
 * }
 * ```
 */
export function RateLimited<A extends unknown[], R>(service: string, options: RateLimitedOptions<A, R> = {}, resilience?: Resilience) {
  return function <This>(method: (this: This, ...args: A) => Promise<R> | R, _context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => Promise<R> | R>) {
    const wrapped = rateLimited(service, method as (...args: A) => Promise<R> | R, options, resilience);
    return function (this: This, ...args: A): Promise<Awaited<R>> {
      return wrapped.apply(this, args);
    };
  };
}

/** Every service's limiter stats (the seeds' `get_all_rate_limit_stats`); a service limited per model adds one per model, `<service>/<model>`. */
export function getAllRateLimitStats(): Record<string, RateLimiterStats> {
  return getDefaultResilience().getStats().rateLimiters;
}

/** Every service's breaker stats (the seeds' `get_all_circuit_breaker_stats`). */
export function getAllCircuitBreakerStats(): Record<string, CircuitBreakerStats> {
  return getDefaultResilience().getStats().circuitBreakers;
}

/** healthy / degraded / unavailable, the issues, and the services available (the seeds' `get_health_status`). */
export function getHealthStatus(): HealthStatus {
  return getDefaultResilience().getHealthStatus();
}

/** Closes a service's circuit by hand and ends any provider pause (the seeds' `reset_circuit_breaker`). */
export function resetCircuitBreaker(service: string): void {
  getDefaultResilience().resetCircuitBreaker(service);
}

/** Ends a pause a provider's retry-after imposed on a service's rate limiter. */
export function resetRateLimiter(service: string): void {
  getDefaultResilience().resetRateLimiter(service);
}
