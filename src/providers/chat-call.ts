/** One non-streaming chat call: send, read, parse. */
import type { CallSettings } from './adapters/adapter.js';
import { malformed } from './adapters/adapter.js';
import type { ProviderSpec } from './provider-specs.js';
import { connectionError, send, type TransportContext } from './transport.js';
import type { ChatCompletion } from './types.js';

export async function completeChat(spec: ProviderSpec, settings: CallSettings, context: TransportContext, signal: AbortSignal | undefined): Promise<ChatCompletion> {
  const response = await send(spec.wire.buildCall({ ...settings, stream: false }), context, signal);
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw connectionError(spec.id, error, signal);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw malformed(spec.id, 'response (not JSON)');
  }
  return spec.wire.parseCompletion(body, settings.model);
}
