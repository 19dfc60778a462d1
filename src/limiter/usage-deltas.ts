/** Reconciling a call's real usage with what its admission charged, per dimension. */
import { dimensionCost } from './dimensions.js';
import type { Lease, Usage } from './lease.js';
import type { DimensionSpec } from './limiter-store.js';

/**
 * Fills `deltas` (indexed like RATE_DIMENSIONS; only configured dimensions written, the rest 0)
 * with real minus charged units: positive debits, negative refunds. Returns the real total tokens,
 * or NaN when `usage` holds a negative or non-finite figure (then nothing is reconciled).
 */
export function usageDeltas(lease: Lease, usage: Usage, dimensions: readonly DimensionSpec[], deltas: Float64Array): number {
  const tokens = usage.tokens ?? (usage.inputTokens !== undefined || usage.outputTokens !== undefined ? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) : lease.tokens);
  const input = usage.inputTokens ?? (usage.tokens !== undefined && usage.outputTokens !== undefined ? usage.tokens - usage.outputTokens : lease.inputTokens);
  const output = usage.outputTokens ?? lease.outputTokens;
  if (![tokens, input, output].every((n) => Number.isFinite(n) && n >= 0)) return NaN;
  deltas.fill(0);
  for (const d of dimensions) {
    deltas[d.index] = dimensionCost(d.index, tokens, input, output) - dimensionCost(d.index, lease.tokens, lease.inputTokens, lease.outputTokens);
  }
  return tokens;
}

/** True when any delta is a refund. */
export function hasRefund(deltas: Float64Array): boolean {
  for (let i = 0; i < deltas.length; i++) if (deltas[i]! < 0) return true;
  return false;
}
