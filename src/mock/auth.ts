/**
 * Authentication as each surface does it: `Authorization: Bearer <key>` (OpenAI and the
 * compatible providers), `x-api-key` or `Authorization: Bearer` with `anthropic-version`
 * (Anthropic: its SDK 1.x sends API keys as Bearer), `x-goog-api-key` or `?key=` (Gemini). A key
 * only opens the surface of the provider it imitates.
 */
import type { IncomingMessage } from 'node:http';
import type { KeyState } from './key-state.js';
import type { MockFailure } from './failures.js';
import type { MockProvider } from './options.js';
import type { Surface } from './provider-profiles.js';
import type { MockRuntime } from './runtime.js';

/** The provider whose error format a surface uses before a key is known. */
export const SURFACE_DEFAULT_PROVIDER: Readonly<Record<Surface, MockProvider>> = { openai: 'openai', anthropic: 'anthropic', gemini: 'google' };

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const bearer = (req: IncomingMessage): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '')?.[1];

/** The key a request presents on `surface`, or undefined when it presents none. */
function presentedKey(surface: Surface, req: IncomingMessage, url: URL): string | undefined {
  switch (surface) {
    case 'openai':
      return bearer(req);
    case 'anthropic':
      return header(req, 'x-api-key') || bearer(req);
    case 'gemini':
      return header(req, 'x-goog-api-key') || url.searchParams.get('key') || undefined;
  }
}

/** The caller's key, or the failure to answer with. */
export function authenticate(runtime: MockRuntime, surface: Surface, req: IncomingMessage, url: URL): { key: KeyState } | { failure: MockFailure } {
  const apiKey = presentedKey(surface, req, url);
  if (apiKey === undefined) return { failure: { kind: 'auth', missing: true } };
  const key = runtime.keys.get(apiKey);
  if (!key || key.config.profile.surface !== surface) return { failure: { kind: 'auth', missing: false, apiKey } };
  if (surface === 'anthropic' && !header(req, 'anthropic-version')) return { failure: { kind: 'invalid', message: 'anthropic-version: header is required' } };
  return { key };
}
