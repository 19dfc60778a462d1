/**
 * Token accounting that follows the provider (DESIGN.md): what a request is charged at admission,
 * estimated the way the provider estimates it, and what the provider keeps afterwards, so the
 * limiter's bucket stays where the provider's is. Each provider's model is configurable.
 */
import type { Usage } from '../limiter/lease.js';
import type { ChatMessage } from './types.js';

export type ChargeRule =
  /** OpenAI's cookbook: input + max_tokens reserved against TPM (the conservative default). */
  | 'input_plus_max_output'
  /** OpenAI's guide: max(max_tokens, input estimate). */
  | 'max_of_input_and_max_output'
  /** Anthropic: input tokens to ITPM, output tokens to OTPM. */
  | 'split_input_output'
  /** Gemini: input only. */
  | 'input_only';

export interface AccountingModel {
  charge: ChargeRule;
  /** Whether unused output is given back after the call (Anthropic's OTPM: yes; OpenAI's TPM: no). */
  refundUnusedOutput: boolean;
  /** Characters per token of the provider's own rate-limit estimate (OpenAI: about 4). */
  charsPerToken: number;
  /** Extra share reserved over the estimate, for estimates that run low (Claude counts are 10-30 % off). */
  safetyMargin: number;
}

export const DEFAULT_ACCOUNTING: AccountingModel = { charge: 'input_plus_max_output', refundUnusedOutput: false, charsPerToken: 4, safetyMargin: 0.1 };

/** Tokens a message costs beyond its text (role and separators), as chat formats add them. */
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_REQUEST = 3;

/** The provider-style estimate of a request's input tokens, with the model's safety margin. */
export function estimateInputTokens(messages: readonly ChatMessage[], model: AccountingModel = DEFAULT_ACCOUNTING): number {
  let characters = 0;
  for (const message of messages) characters += message.content.length;
  const base = Math.ceil(characters / model.charsPerToken) + TOKENS_PER_MESSAGE * messages.length + TOKENS_PER_REQUEST;
  return Math.ceil(base * (1 + model.safetyMargin));
}

/** What to ask the limiter for at admission. */
export function admissionCharge(model: AccountingModel, inputTokens: number, maxOutputTokens: number): Required<Usage> {
  switch (model.charge) {
    case 'input_plus_max_output':
      return { tokens: inputTokens + maxOutputTokens, inputTokens, outputTokens: maxOutputTokens };
    case 'max_of_input_and_max_output':
      return { tokens: Math.max(inputTokens, maxOutputTokens), inputTokens, outputTokens: maxOutputTokens };
    case 'split_input_output':
      return { tokens: inputTokens + maxOutputTokens, inputTokens, outputTokens: maxOutputTokens };
    case 'input_only':
      return { tokens: inputTokens, inputTokens, outputTokens: 0 };
  }
}

/**
 * What the provider keeps once the call is done, given the reported usage: the limiter's lease
 * is released with this, not blindly with the usage. The reported input replaces the estimate
 * (our safety margin was for the time the count was unknown); output is given back only where the
 * provider gives it back. Where a provider charges more than it reports (OpenAI's character-based
 * estimate), its rate-limit headers lower the bucket to what it really holds.
 */
export function keptCharge(model: AccountingModel, estimatedInput: number, maxOutputTokens: number, reported: { inputTokens?: number; outputTokens?: number }): Required<Usage> {
  const actualInput = reported.inputTokens ?? estimatedInput;
  const output = model.refundUnusedOutput && reported.outputTokens !== undefined ? reported.outputTokens : maxOutputTokens;
  switch (model.charge) {
    case 'input_plus_max_output':
      return { tokens: actualInput + output, inputTokens: actualInput, outputTokens: output };
    case 'max_of_input_and_max_output':
      return { tokens: Math.max(actualInput, output), inputTokens: actualInput, outputTokens: output };
    case 'split_input_output':
      return { tokens: actualInput + output, inputTokens: actualInput, outputTokens: output };
    case 'input_only':
      return { tokens: actualInput, inputTokens: actualInput, outputTokens: 0 };
  }
}
