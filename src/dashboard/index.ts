/** The live dashboard: a page, a server-sent event stream and a JSON snapshot of every service. */
export { dashboardHandler, type DashboardRequestHandler } from './dashboard-handler.js';
export type { DashboardOptions } from './options.js';
export type { DashboardSource } from './source.js';
export type { BreakerView, CountersView, DashboardSnapshot, DimensionView, LimiterView, RecentError, RecentTransition, ServiceView } from './snapshot-types.js';
