/**
 * llm-resilience: rate limiting, circuit breakers, retries and fallback for LLM API calls.
 * The engine (this entry point) runs on any JavaScript runtime; Node-only parts live in subpaths.
 */
export * from './core/index.js';
export * from './limiter/index.js';
export * from './breaker/index.js';
export * from './retry/index.js';
export * from './policy/index.js';
export * from './providers/index.js';
export * from './client/index.js';
export type { DashboardOptions, DashboardRequestHandler, DashboardSnapshot, DashboardSource } from './dashboard/index.js';
