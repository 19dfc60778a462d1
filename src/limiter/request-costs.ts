/** A request's costs per rate dimension, from what it says it needs. */
import { ConfigError } from '../core/errors.js';
import type { AcquireOptions } from './limiter-types.js';

/** Writes the costs of `options` into `costs` (indexed like RATE_DIMENSIONS); returns the error of a bad figure. */
export function fillCosts(costs: Float64Array, options: AcquireOptions): ConfigError | undefined {
  const output = options.outputTokens ?? 0;
  const tokens = options.tokens ?? (options.inputTokens ?? 0) + output;
  const input = options.inputTokens ?? Math.max(0, tokens - output);
  if (!(tokens >= 0 && tokens < Infinity)) return new ConfigError('tokens', options.tokens, 'a finite number of tokens >= 0');
  if (!(input >= 0 && input < Infinity)) return new ConfigError('inputTokens', options.inputTokens, 'a finite number of tokens >= 0');
  if (!(output >= 0 && output < Infinity)) return new ConfigError('outputTokens', options.outputTokens, 'a finite number of tokens >= 0');
  writeCosts(costs, tokens, input, output);
  return undefined;
}

/** Writes a request's costs into `costs`, indexed like RATE_DIMENSIONS (see dimensionCost); returns it. */
export function writeCosts(costs: Float64Array, tokens: number, input: number, output: number): Float64Array {
  // Written out, as this runs on every admission.
  costs[0] = 1;
  costs[1] = tokens;
  costs[2] = input;
  costs[3] = output;
  costs[4] = 1;
  costs[5] = tokens;
  return costs;
}
