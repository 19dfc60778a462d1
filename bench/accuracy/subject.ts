/** What a client under test is to the benchmark: opened against a mock key, then called until the cell ends. */
import OpenAI, { type ClientOptions } from 'openai';
import type { AnyLimiterStore } from '../../src/limiter/shared-store.js';
import type { ToldLimits, Workload } from './workload.js';

/** Where and what a subject calls, and what it is told. */
export interface Target {
  /** The mock's base URL, without `/v1`. */
  url: string;
  apiKey: string;
  told: ToldLimits | undefined;
  workload: Workload;
  /** A shared limiter store (the fleet scenario): our clients only. */
  store?: AnyLimiterStore;
}

/** An opened subject: one call of the workload; closed when the cell ends. */
export interface SubjectInstance {
  call(signal: AbortSignal): Promise<unknown>;
  close(): Promise<void>;
}

export interface Subject {
  id: string;
  label: string;
  /** Ours (runs in the fleet scenario) or a peer. */
  ours: boolean;
  open(target: Target): SubjectInstance;
}

/** The workload as an OpenAI chat completion request. */
export const chatRequest = (workload: Workload): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming => ({
  model: 'gpt-4o-mini',
  max_tokens: workload.maxTokens,
  messages: [{ role: 'user', content: workload.prompt }],
});

/** One call of the workload through a new `openai` SDK client on `target` (its defaults unless `options` say otherwise). */
export function sdkCall(target: Target, options: ClientOptions = {}): (signal: AbortSignal) => Promise<unknown> {
  const sdk = new OpenAI({ apiKey: target.apiKey, baseURL: `${target.url}/v1`, ...options });
  const request = chatRequest(target.workload);
  return (signal) => sdk.chat.completions.create(request, { signal });
}

/**
 * What a peer is configured with when told nothing: the limits OpenAI documents for tier 1 on
 * gpt-4o-mini (500 RPM, 200 000 TPM), where a user starts.
 */
export const PEER_DEFAULT_TIER: ToldLimits = { requestsPerMinute: 500, tokensPerMinute: 200_000 };
