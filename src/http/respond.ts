/** Writing the handler's answers: JSON or text, never cached, no body for HEAD. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendText(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    // Health changes from one second to the next: a cached answer is a wrong answer.
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  sendText(req, res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
}
