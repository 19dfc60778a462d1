/**
 * The accounting models: what a request is charged at admission, and what stays charged when
 * it ends. A key's policy starts from its accounting model (`openai`, `openai-max`, `anthropic`,
 * `gemini`), whose token charge and refund a key may override (`charge`, `refundUnusedOutput`),
 * so that any surface can be driven with any charge model. By default only the `anthropic`
 * model gives anything back (the unused part of max_tokens, from OTPM and from a combined token
 * bucket). Failed requests keep their charge: OpenAI counts them against the limits, Google
 * counts them against quota.
 */
import type { Dimension } from './dimensions.js';
import type { AccountingModel, ChargeModel } from './options.js';

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
  /** Charged in place of an absent max_tokens. */
  readonly defaultMaxTokens: number;
}

/** A key's accounting with its overrides applied. */
export interface AccountingPolicy {
  readonly accounting: AccountingModel;
  /** What TPM and TPD are charged at admission. */
  readonly charge: ChargeModel;
  readonly refundUnusedOutput: boolean;
}

/** The token charge each accounting model makes when a key does not override it. */
export const DEFAULT_CHARGE: Readonly<Record<AccountingModel, ChargeModel>> = {
  openai: 'input+max_tokens',
  'openai-max': 'max(input,max_tokens)',
  anthropic: 'input+max_tokens',
  gemini: 'input',
};

/** The policy of an accounting model, with a key's overrides. */
export function accountingPolicy(accounting: AccountingModel, overrides: { charge?: ChargeModel; refundUnusedOutput?: boolean } = {}): AccountingPolicy {
  return { accounting, charge: overrides.charge ?? DEFAULT_CHARGE[accounting], refundUnusedOutput: overrides.refundUnusedOutput ?? accounting === 'anthropic' };
}

const policyOf = (model: AccountingModel | AccountingPolicy): AccountingPolicy => (typeof model === 'string' ? accountingPolicy(model) : model);

/** Tokens charged to TPM and TPD under `charge` for a prompt and an output allowance. */
export function tokenCharge(charge: ChargeModel, promptTokens: number, outputTokens: number): number {
  switch (charge) {
    case 'input+max_tokens':
      return promptTokens + outputTokens;
    case 'max(input,max_tokens)':
      return Math.max(promptTokens, outputTokens);
    case 'input':
      return promptTokens;
  }
}

/** The output allowance of a request: its max_tokens, or the key's default when it sets none. */
export const maxOutputOf = (input: ChargeInput): number => input.maxTokens ?? input.defaultMaxTokens;

/** The charge of a request at admission. */
export function admissionCharge(model: AccountingModel | AccountingPolicy, input: ChargeInput): Charge {
  const policy = policyOf(model);
  const prompt = input.promptTokens;
  const maxOutput = maxOutputOf(input);
  // ITPM/OTPM follow the accounting model's split, whatever the token charge: Gemini charges no output.
  const outputTokens = policy.accounting === 'gemini' ? 0 : maxOutput;
  return { requests: 1, tokens: tokenCharge(policy.charge, prompt, maxOutput), inputTokens: prompt, outputTokens };
}

/**
 * The charge that stays when the request ends having produced `outputTokens`; never more than
 * at admission. `maxOutputTokens` is the allowance charged at admission (default: the charge's
 * own output, which is it except for Gemini's accounting, which charges no output).
 */
export function settledCharge(model: AccountingModel | AccountingPolicy, admitted: Charge, outputTokens: number, maxOutputTokens: number = admitted.outputTokens): Charge {
  const policy = policyOf(model);
  if (!policy.refundUnusedOutput) return admitted;
  const produced = Math.min(maxOutputTokens, outputTokens);
  return {
    ...admitted,
    tokens: Math.min(admitted.tokens, tokenCharge(policy.charge, admitted.inputTokens, produced)),
    outputTokens: Math.min(admitted.outputTokens, outputTokens),
  };
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
