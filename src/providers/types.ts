/** The provider-neutral shapes of a chat call: what goes in, what comes out, what streams. */

/** The providers with an adapter. xAI, DeepSeek and Moonshot speak OpenAI's API. */
export const PROVIDER_IDS = ['openai', 'anthropic', 'google', 'xai', 'deepseek', 'moonshot'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** Which wire format a provider speaks. */
export type ApiSurface = 'openai' | 'anthropic' | 'gemini';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** The model to use; default: the client's preferred model for the provider. */
  model?: string;
  /** Most output tokens; also what OpenAI reserves against TPM. Default per provider (1024). */
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
}

/** Token usage as the provider reports it. */
export interface ChatUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface ChatCompletion {
  content: string;
  model: string;
  finishReason: string | undefined;
  /** Undefined when the provider reported none (usage is then estimated). */
  usage: ChatUsage | undefined;
}

/** What a stream yields: text as it comes, then usage and the end. */
export type StreamEvent =
  | { type: 'content'; text: string }
  | { type: 'usage'; usage: Partial<ChatUsage> }
  | { type: 'done'; finishReason: string | undefined };
