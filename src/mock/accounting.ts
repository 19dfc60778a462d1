/**
 * The accounting models: what a request is charged at admission, and what stays charged when
 * it ends. Only the `anthropic` model gives anything back (the unused part of max_tokens, from
 * OTPM and from a combined token bucket). Failed requests keep their charge: OpenAI counts them
 * against the limits, Google counts them against quota.
 */
import type { Dimension } from './dimensions.js';
import type { AccountingModel } from './options.js';

/** Amounts charged, by kind. `requests` goes to the request buckets, `tokens` to TPM and TPD. */
export interface Charge {
  readonly requests: number;
  readonly tokens: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** What a request brings to the accounting. */
export interface ChargeInput {
  readonly promptTokens: number;
  /** max_tokens as the request set it, or undefined. */
  readonly maxTokens: number | undefined;
  /** Charged in place of an absent max_tokens by the openai models. */
  readonly defaultMaxTokens: number;
}

/** The charge of a request at admission. */
export function admissionCharge(model: AccountingModel, input: ChargeInput): Charge {
  const prompt = input.promptTokens;
  const maxOutput = input.maxTokens ?? input.defaultMaxTokens;
  switch (model) {
    case 'openai':
      return { requests: 1, tokens: prompt + maxOutput, inputTokens: prompt, outputTokens: maxOutput };
    case 'openai-max':
      return { requests: 1, tokens: Math.max(maxOutput, prompt), inputTokens: prompt, outputTokens: maxOutput };
    case 'anthropic':
      return { requests: 1, tokens: prompt + maxOutput, inputTokens: prompt, outputTokens: maxOutput };
    case 'gemini':
      return { requests: 1, tokens: prompt, inputTokens: prompt, outputTokens: 0 };
  }
}

/** The charge that stays when the request ends having produced `outputTokens`; never more than at admission. */
export function settledCharge(model: AccountingModel, admitted: Charge, outputTokens: number): Charge {
  if (model !== 'anthropic') return admitted;
  const output = Math.min(admitted.outputTokens, outputTokens);
  return { ...admitted, tokens: admitted.inputTokens + output, outputTokens: output };
}

/** The amount of `charge` that goes to a bucket of `dimension`. */
export function amountFor(dimension: Dimension, charge: Charge): number {
  switch (dimension) {
    case 'requests':
    case 'requestsPerDay':
      return charge.requests;
    case 'tokens':
    case 'tokensPerDay':
      return charge.tokens;
    case 'inputTokens':
      return charge.inputTokens;
    case 'outputTokens':
      return charge.outputTokens;
  }
}
