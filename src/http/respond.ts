/**
 * Writing the handlers' answers (health, metrics, dashboard): JSON or text, never cached, no body
 * for HEAD. No Node global (`Buffer`): the engine's entry point exposes the dashboard handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const encoder = new TextEncoder();
const ALLOWED_METHODS = 'GET, HEAD';

export function sendText(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(encoder.encode(body).byteLength),
    // Live state: a cached answer is a wrong answer.
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  sendText(req, res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
}

/**
 * Answers what a handler does not serve: another path goes to `next` (Express, Connect) or gets
 * 404; a method other than GET or HEAD gets 405. True when it answered.
 */
export function answeredElsewhere(req: IncomingMessage, res: ServerResponse, served: boolean, next: ((error?: unknown) => void) | undefined): boolean {
  if (!served) {
    if (next) next();
    else sendJson(req, res, 404, { error: 'not found' });
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: ALLOWED_METHODS });
    return true;
  }
  return false;
}
