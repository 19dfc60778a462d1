/**
 * Model lists: `GET /v1/models` in OpenAI's format (or Anthropic's, for a request with
 * `x-api-key`), and `GET /v1beta/models` in Gemini's. They need a valid key and count against
 * no limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, SURFACE_DEFAULT_PROVIDER } from './auth.js';
import { errorReply } from './error-replies.js';
import { sendJson } from './http-io.js';
import type { Surface } from './provider-profiles.js';
import type { MockRuntime } from './runtime.js';

const CREATED_SECONDS = 1_735_689_600; // 2025-01-01, a fixed date for a deterministic list

function listBody(surface: Surface, models: readonly string[], owner: string): unknown {
  switch (surface) {
    case 'openai':
      return { object: 'list', data: models.map((id) => ({ id, object: 'model', created: CREATED_SECONDS, owned_by: owner })) };
    case 'anthropic':
      return {
        data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })),
        has_more: false,
        first_id: models[0] ?? null,
        last_id: models.at(-1) ?? null,
      };
    case 'gemini':
      return { models: models.map((id) => ({ name: `models/${id}`, displayName: id, supportedGenerationMethods: ['generateContent', 'countTokens'] })) };
  }
}

/** Answers a model list request on `surface`. */
export function handleModels(runtime: MockRuntime, surface: Surface, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const auth = authenticate(runtime, surface, req, url);
  if ('failure' in auth) {
    runtime.unauthorized();
    const answer = errorReply(SURFACE_DEFAULT_PROVIDER[surface], auth.failure, { requestId: runtime.requestId(), model: '', organization: 'org-mock', apiKey: undefined, wallNowMs: runtime.wallNow() });
    sendJson(res, answer.status, answer.body);
    return;
  }
  const { profile, provider } = auth.key.config;
  sendJson(res, 200, listBody(surface, profile.models, provider === 'openai' ? 'system' : provider));
}
