/** Picks the provider's error format for a failure. */
import { anthropicError } from './errors-anthropic.js';
import { deepseekError, moonshotError, xaiError } from './errors-compatible.js';
import { geminiError } from './errors-gemini.js';
import { openaiError } from './errors-openai.js';
import type { ErrorReply, FailureContext, MockFailure } from './failures.js';
import type { MockProvider } from './options.js';

/** The reply `provider` gives to `failure`. */
export function errorReply(provider: MockProvider, failure: MockFailure, context: FailureContext): ErrorReply {
  switch (provider) {
    case 'openai':
      return openaiError(failure, context);
    case 'xai':
      return xaiError(failure, context);
    case 'deepseek':
      return deepseekError(failure);
    case 'moonshot':
      return moonshotError(failure, context);
    case 'anthropic':
      return anthropicError(failure, context);
    case 'google':
      return geminiError(failure, context);
  }
}

/** The status of the error a provider sends inside a 200 stream: Anthropic overloaded (529), Gemini unavailable (503), the others a server error (500). */
export function streamErrorStatus(provider: MockProvider): number {
  if (provider === 'anthropic') return 529;
  if (provider === 'google') return 503;
  return 500;
}
