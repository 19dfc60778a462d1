/**
 * `dashboardHandler`: a live page of every service (limits, queue, concurrency, breaker, counters,
 * health, recent errors), updated by server-sent events, as one Node request handler.
 *
 * ```ts
 * const dashboard = dashboardHandler(llm, { intervalMs: 1_000 });  // llm: UnifiedLLMClient or Resilience
 * http.createServer(dashboard).listen(9464, '127.0.0.1');           // GET /dashboard
 * app.use(dashboard);                                               // Express (or app.use('/ops', dashboard))
 * dashboard.close();                                                // stop listening, end the streams
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from '../core/errors.js';
import { type DashboardOptions, resolveDashboardOptions } from './options.js';
import { SnapshotEventStream } from './event-stream.js';
import { dashboardPage, newNonce } from './page.js';
import { answeredElsewhere, sendJson, sendText } from '../http/respond.js';
import { SnapshotFeed } from './snapshot.js';
import { type DashboardSource, isDashboardSource } from './source.js';

/** Express's and Connect's `next`: called for every path this handler does not serve. */
type NextFunction = (error?: unknown) => void;

/** A Node request handler (node:http, Express, Fastify raw) with the means to stop it. */
export interface DashboardRequestHandler {
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void;
  /** Stops listening to the source's events and ends every open stream; the routes then answer 503. */
  close(): void;
  /** Streams open now. */
  readonly connections: number;
}

/**
 * `GET <path>`: the page; `<path>/events`: the snapshot as server-sent events (one at once, then
 * one per `intervalMs`); `<path>/snapshot`: the snapshot once, as JSON. Other paths go to `next`,
 * or get 404. One event subscription and one timer for the handler, whatever the number of viewers.
 */
export function dashboardHandler(source: DashboardSource, options: DashboardOptions = {}): DashboardRequestHandler {
  if (!isDashboardSource(source)) throw new ConfigError('source', source, 'a UnifiedLLMClient, a Resilience, or an object with events, getHealthStatus() and getStats()');
  const resolved = resolveDashboardOptions(options);
  const feed = new SnapshotFeed(source, resolved);
  const read = (): string | undefined => {
    try {
      return JSON.stringify(feed.snapshot());
    } catch {
      // The error's text stays in the process: it could quote anything, a key included.
      return undefined;
    }
  };
  const stream = new SnapshotEventStream(read, resolved);
  const base = resolved.path === '/' ? '' : resolved.path;
  let closed = false;

  const handler = (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void => {
    const path = pathOf(req.url);
    const route = path === (base || '/') || path === `${base}/` ? 'page' : path === `${base}/events` ? 'events' : path === `${base}/snapshot` ? 'snapshot' : undefined;
    if (answeredElsewhere(req, res, route !== undefined, next)) return;
    if (closed) {
      sendText(req, res, 503, 'text/plain; charset=utf-8', 'dashboard closed\n');
      return;
    }
    if (route === 'page') {
      const page = dashboardPage(resolved.title, newNonce());
      sendText(req, res, 200, 'text/html; charset=utf-8', page.html, page.headers);
    } else if (route === 'events') {
      stream.open(req, res);
    } else {
      const json = read();
      if (json === undefined) sendJson(req, res, 500, { error: 'snapshot failed' });
      else sendText(req, res, 200, 'application/json; charset=utf-8', `${json}\n`);
    }
  };

  return Object.defineProperties(handler, {
    close: {
      value: () => {
        if (closed) return;
        closed = true;
        feed.dispose();
        stream.close();
      },
    },
    connections: { get: () => stream.size },
  }) as DashboardRequestHandler;
}

/** The path without its query string (Express gives a mounted handler the path below its mount point). */
function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
