/**
 * Token accounting that follows the provider (DESIGN.md): what a request is charged at admission,
 * estimated the way the provider estimates it, and what the provider keeps afterwards, so the
 * limiter's bucket stays where the provider's is. Each provider's model is configurable.
 */
import type { Usage } from '../limiter/lease.js';
import type { ChatMessage } from './types.js';

import type { ChargeRule } from '../limiter/charge-learner.js';

/**
 * How a request is charged against tokens per minute at admission (PROVIDERS.md):
 * - `'input+max_tokens'`: the input estimate plus max_tokens (OpenAI's cookbook; the conservative
 *   default, learned down from the provider's headers when they show it charges less);
 * - `'max(input,max_tokens)'`: the larger of the two (OpenAI's rate-limit guide);
 * - `'input'`: the input only (Gemini).
 * Input and output limits (Anthropic's ITPM/OTPM) are charged apart whatever the rule.
 */
export type { ChargeRule };

/** The names earlier versions used, still accepted. */
export type LegacyChargeRule = 'input_plus_max_output' | 'max_of_input_and_max_output' | 'split_input_output' | 'input_only';

const LEGACY: Readonly<Record<LegacyChargeRule, ChargeRule>> = {
  input_plus_max_output: 'input+max_tokens',
  split_input_output: 'input+max_tokens',
  max_of_input_and_max_output: 'max(input,max_tokens)',
  input_only: 'input',
};

/** The rule a configured name stands for. */
export function chargeRuleOf(charge: ChargeRule | LegacyChargeRule): ChargeRule {
  return (LEGACY as Record<string, ChargeRule>)[charge] ?? (charge as ChargeRule);
}

export interface AccountingModel {
  charge: ChargeRule | LegacyChargeRule;
  /** Whether unused output is given back after the call (Anthropic's OTPM: yes; OpenAI's TPM: no). */
  refundUnusedOutput: boolean;
  /** Characters per token of the provider's own rate-limit estimate (OpenAI: about 4). */
  charsPerToken: number;
  /** Extra share reserved over the estimate, for estimates that run low (Claude counts are 10-30 % off). */
  safetyMargin: number;
}

export const DEFAULT_ACCOUNTING: AccountingModel = { charge: 'input+max_tokens', refundUnusedOutput: false, charsPerToken: 4, safetyMargin: 0.1 };

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
  switch (chargeRuleOf(model.charge)) {
    case 'input+max_tokens':
      return { tokens: inputTokens + maxOutputTokens, inputTokens, outputTokens: maxOutputTokens };
    case 'max(input,max_tokens)':
      return { tokens: Math.max(inputTokens, maxOutputTokens), inputTokens, outputTokens: maxOutputTokens };
    case 'input':
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
  switch (chargeRuleOf(model.charge)) {
    case 'input+max_tokens':
      return { tokens: actualInput + output, inputTokens: actualInput, outputTokens: output };
    case 'max(input,max_tokens)':
      return { tokens: Math.max(actualInput, output), inputTokens: actualInput, outputTokens: output };
    case 'input':
      return { tokens: actualInput, inputTokens: actualInput, outputTokens: 0 };
  }
}

/**
 * The accounting to use for a call: the configured one, or, when its charge rule was left at the
 * conservative default, the rule the limiter learned from the provider's headers.
 */
export function withLearnedCharge(model: AccountingModel, chargeConfigured: boolean, learned: ChargeRule | undefined): AccountingModel {
  if (chargeConfigured || learned === undefined || chargeRuleOf(model.charge) !== 'input+max_tokens' || learned === 'input+max_tokens') return model;
  return { ...model, charge: learned };
}
