/**
 * `healthHandler`: liveness, readiness and metrics endpoints as one Node request handler.
 *
 * ```ts
 * const handler = healthHandler(llm, { metrics: register });       // llm: UnifiedLLMClient or Resilience
 * http.createServer(handler).listen(9464);                          // node:http
 * app.use(handler);                                                 // Express (or app.use('/ops', handler))
 * fastify.get('/readyz', (request, reply) => { reply.hijack(); handler(request.raw, reply.raw); }); // Fastify, per route
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HealthSource, readinessOf } from './readiness.js';
import { answeredElsewhere, sendJson, sendText } from './respond.js';

/** What serving metrics needs of a registry: prom-client's `Registry` has it (and prom-client is not imported here). */
export interface MetricsRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface HealthHandlerOptions {
  /** Serves `/metrics` from this registry (prom-client's `register`, or the one given to prometheusMetrics). Default: no `/metrics`. */
  metrics?: MetricsRegistry;
}

/** Express's and Connect's `next`: called for every path this handler does not serve. */
export type NextFunction = (error?: unknown) => void;

export type HealthRequestHandler = (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => void;

/**
 * `/healthz`: 200 while the process serves (liveness: restarting would not help a provider outage);
 * `/readyz`: getHealthStatus() as JSON, 200 when healthy or degraded, 503 when no service can take a
 * call; `/metrics`: the registry's text, when one is given. Other paths go to `next`, or get 404.
 */
export function healthHandler(source: HealthSource, options: HealthHandlerOptions = {}): HealthRequestHandler {
  const registry = options.metrics;
  return (req, res, next) => {
    const path = pathOf(req.url);
    const served = path === '/healthz' || path === '/readyz' || (path === '/metrics' && registry !== undefined);
    if (answeredElsewhere(req, res, served, next)) return;
    if (path === '/healthz') {
      sendJson(req, res, 200, { status: 'ok' });
    } else if (path === '/readyz') {
      const { httpStatus, body } = readinessOf(source);
      sendJson(req, res, httpStatus, body);
    } else {
      serveMetrics(req, res, registry!);
    }
  };
}

function serveMetrics(req: IncomingMessage, res: ServerResponse, registry: MetricsRegistry): void {
  // Through a promise, so that a collector that throws at once is handled like one that rejects.
  Promise.resolve()
    .then(() => registry.metrics())
    .then(
      (text) => sendText(req, res, 200, registry.contentType, text),
      // Like readiness: the collector's error text stays in the process.
      () => sendText(req, res, 500, 'text/plain; charset=utf-8', 'metrics collection failed\n'),
    );
}

/** The path without its query string (Express gives a mounted handler the path below its mount point). */
function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
