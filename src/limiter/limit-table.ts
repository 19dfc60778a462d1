/**
 * The limits a limiter enforces now, per rate dimension, and where each came from:
 * - `configured`: the user's; an upper bound the provider's headers may lower (and raise back to);
 * - `initial`: a built-in or guessed starting point, replaced by the provider's headers either way;
 * - `provider`: learned from the provider's headers (the dimension was not configured at all).
 * Changing a limit rebuilds `dimensions`, the list every other part reads.
 */
import { DIMENSION_PERIOD_MS, RATE_DIMENSIONS, type RateDimension } from './dimensions.js';
import type { DimensionSpec } from './limiter-store.js';

export type LimitSource = 'configured' | 'initial' | 'provider';

const COUNT = RATE_DIMENSIONS.length;

export class LimitTable {
  /** The limit per period now (Infinity: not enforced), indexed like RATE_DIMENSIONS. */
  readonly limit = new Float64Array(COUNT).fill(Infinity);
  /** The bucket capacity now, in units. */
  readonly burst = new Float64Array(COUNT).fill(Infinity);
  /** The highest limit the provider's headers may set: the configured one, or Infinity. */
  readonly ceiling = new Float64Array(COUNT).fill(Infinity);
  readonly source: (LimitSource | undefined)[] = new Array<LimitSource | undefined>(COUNT).fill(undefined);
  /** The enforced dimensions, rebuilt when a limit changes. */
  dimensions: readonly DimensionSpec[] = [];

  constructor(initial: readonly DimensionSpec[], sources: readonly LimitSource[]) {
    initial.forEach((d, i) => {
      this.limit[d.index] = d.limit;
      this.burst[d.index] = d.burst;
      const source = sources[i] ?? 'configured';
      this.source[d.index] = source;
      if (source === 'configured') this.ceiling[d.index] = d.limit;
    });
    this.rebuild();
  }

  has(index: number): boolean {
    return this.source[index] !== undefined;
  }

  /** Sets a dimension's limit and burst (adding it when new, as `source`). */
  set(index: number, limit: number, burst: number, source: LimitSource): void {
    this.limit[index] = limit;
    this.burst[index] = burst;
    this.source[index] ??= source;
    this.rebuild();
  }

  /** The configured limits and their sources, for stats. */
  sources(): Partial<Record<RateDimension, LimitSource>> {
    const out: Partial<Record<RateDimension, LimitSource>> = {};
    for (const d of this.dimensions) out[d.name] = this.source[d.index];
    return out;
  }

  private rebuild(): void {
    const list: DimensionSpec[] = [];
    for (let index = 0; index < COUNT; index++) {
      if (this.source[index] === undefined) continue;
      const name = RATE_DIMENSIONS[index]!;
      const limit = this.limit[index]!;
      list.push({ index, name, limit, burst: this.burst[index]!, intervalMs: DIMENSION_PERIOD_MS[name] / limit });
    }
    this.dimensions = list;
  }
}
