/** Encodes a LimiterSpec as the admission script's common ARGV header (see admission-script.ts). */
import type { LimiterSpec } from '../limiter/limiter-store.js';
import type { ScriptOp } from './admission-script.js';

/** The header without its op: ARGV[2..]. Built once per backend. */
export interface SpecArgs {
  /** ARGV[3..6 + 3n]: lead, maxConcurrent, lease TTL ms, n, (index, interval, tolerance) x n (the fingerprint, ARGV[2], is per call). */
  readonly header: readonly string[];
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
  const triples: string[] = [];
  const parts: string[] = [];
  for (const d of spec.dimensions) {
    const tolerance = d.burst * d.intervalMs;
    triples.push(String(d.index), String(d.intervalMs), String(tolerance));
    parts.push(`${d.name}=${d.limit}/${d.burst}`);
  }
  parts.push(`maxConcurrent=${maxConcurrent}`);
  const fingerprint = parts.join(',');
  return {
    // Text once here, so that the client converts nothing of it on every call.
    header: [String(spec.providerDelayMs), String(maxConcurrent), String(leaseTtlMs), String(spec.dimensions.length), ...triples],
    order: spec.dimensions.map((d) => d.index),
    fingerprint,
  };
}

/**
 * The start of one call's ARGV: op, the fingerprint to compare ('' = none this time), the header.
 * The op's own arguments are pushed onto it (one array per call, no copies).
 */
export function scriptArgs(op: ScriptOp, spec: SpecArgs, fingerprint: string): (string | number)[] {
  const args: (string | number)[] = [op, fingerprint];
  for (const value of spec.header) args.push(value);
  return args;
}

/** Pushes the values of the configured dimensions, in header order, from an array indexed like RATE_DIMENSIONS. */
export function pushPerDimension(args: (string | number)[], spec: SpecArgs, values: ArrayLike<number>): void {
  for (const index of spec.order) args.push(String(values[index] ?? 0));
}
