/** Encodes a LimiterSpec as the admission script's common ARGV header (see admission-script.ts). */
import type { LimiterSpec } from '../limiter/limiter-store.js';
import type { ScriptOp } from './admission-script.js';

/** The header without its op: ARGV[2..]. Built once per backend. */
export interface SpecArgs {
  /** ARGV[3..6 + 3n]: lead, maxConcurrent, lease TTL ms, n, (index, interval, tolerance) x n (the fingerprint, ARGV[2], is per call). */
  readonly header: readonly (string | number)[];
  /** Dimension indexes in header order (costs and deltas are passed in this order). */
  readonly order: readonly number[];
  /** A readable description of the limits, compared across processes. */
  readonly fingerprint: string;
}

/**
 * Builds the header. Leases live `leaseTtlMs` in Redis unless renewed (default: the spec's lease timeout).
 */
export function specArgs(spec: LimiterSpec, leaseTtlMs = spec.leaseTimeoutMs): SpecArgs {
  const maxConcurrent = Number.isFinite(spec.maxConcurrent) ? spec.maxConcurrent : -1;
  const triples: (string | number)[] = [];
  const parts: string[] = [];
  for (const d of spec.dimensions) {
    const tolerance = d.burst * d.intervalMs;
    triples.push(d.index, String(d.intervalMs), String(tolerance));
    parts.push(`${d.name}=${d.limit}/${d.burst}`);
  }
  parts.push(`maxConcurrent=${maxConcurrent}`);
  const fingerprint = parts.join(',');
  return {
    header: [String(spec.providerDelayMs), maxConcurrent, String(leaseTtlMs), spec.dimensions.length, ...triples],
    order: spec.dimensions.map((d) => d.index),
    fingerprint,
  };
}

/** The full ARGV of one call: op, the fingerprint to compare ('' = none this time), header, then the op's own arguments. */
export function scriptArgs(op: ScriptOp, spec: SpecArgs, fingerprint: string, ...rest: (string | number)[]): (string | number)[] {
  return [op, fingerprint, ...spec.header, ...rest];
}

/** Picks the values of the configured dimensions, in header order, from an array indexed like RATE_DIMENSIONS. */
export function perDimension(spec: SpecArgs, values: ArrayLike<number>): string[] {
  return spec.order.map((index) => String(values[index] ?? 0));
}
