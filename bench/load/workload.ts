/**
 * The request both load benchmarks (goodput, accuracy) send to the mock provider: about 150
 * prompt tokens by the mock's rule (4 characters a token) and max_tokens 250, so that a request is
 * charged about 400 tokens under the sum model, 250 under the max-of model and 155 under the
 * input-only model, and the tokens-per-minute limit binds (as it usually does for LLM traffic).
 */
import type { MockLatency, OutputLength } from '../../src/mock/index.js';

export const MAX_TOKENS = 250;
export const PROMPT = 'Classify this alert and name the service at fault: disk usage on db-3 crossed 95 percent; '.repeat(7).slice(0, 590);

/** The mock's generation for these requests: a realistic time to first token, outputs shorter than max_tokens. */
export const MOCK_LATENCY: MockLatency = { timeToFirstTokenMs: { kind: 'uniform', minMs: 150, maxMs: 450 } };
export const MOCK_OUTPUT_TOKENS: OutputLength = { min: 40, max: MAX_TOKENS };

/** A user's rule-of-thumb estimate of a request's tokens (4 characters a token, plus max_tokens), for peers that take a weight. */
export const estimatedTokens = (prompt: string, maxTokens: number): number => Math.ceil(prompt.length / 4) + maxTokens;
