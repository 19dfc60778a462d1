/** Which handler serves a request, by method and path. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleControl } from './control-handler.js';
import { sendJson } from './http-io.js';
import { handleInference } from './inference-handler.js';
import { handleModels } from './models-handler.js';
import type { MockRuntime } from './runtime.js';

const GEMINI_PATH = /^\/v1(?:beta)?\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** Routes one request; every error ends in a response or a closed connection. */
export async function route(runtime: MockRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  if (path.startsWith('/_mock/')) return handleControl(runtime, req, res, url);
  if (method === 'POST') {
    if (path === '/v1/chat/completions' || path === '/chat/completions') return handleInference(runtime, { surface: 'openai', sse: true }, req, res, url);
    if (path === '/v1/messages') return handleInference(runtime, { surface: 'anthropic', sse: true }, req, res, url);
    const gemini = GEMINI_PATH.exec(path);
    if (gemini) {
      const stream = gemini[2] === 'streamGenerateContent';
      return handleInference(runtime, { surface: 'gemini', model: decodeURIComponent(gemini[1]!), stream, sse: stream && url.searchParams.get('alt') === 'sse' }, req, res, url);
    }
  }
  if (method === 'GET') {
    if (path === '/v1/models' || path === '/models') return handleModels(runtime, req.headers['x-api-key'] || req.headers['anthropic-version'] ? 'anthropic' : 'openai', req, res, url);
    if (path === '/v1beta/models') return handleModels(runtime, 'gemini', req, res, url);
  }
  sendJson(res, 404, {
    error: { message: `Unknown request URL: ${method} ${path}. Please check the URL for typos, or see the docs at https://platform.openai.com/docs/api-reference/.`, type: 'invalid_request_error', param: null, code: 'unknown_url' },
  });
}
