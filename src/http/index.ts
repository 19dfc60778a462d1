/**
 * `llm-resilience/http`: `/healthz`, `/readyz` and `/metrics` as one Node request handler, and the live
 * dashboard as another (node:http, Express, Fastify raw).
 */
export { healthHandler, type HealthHandlerOptions, type HealthRequestHandler, type MetricsRegistry, type NextFunction } from './health-handler.js';
export { readinessOf, type HealthSource, type Readiness } from './readiness.js';
export { dashboardHandler, type DashboardOptions, type DashboardRequestHandler, type DashboardSnapshot, type DashboardSource } from '../dashboard/index.js';
