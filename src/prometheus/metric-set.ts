/**
 * The metrics one collector registers, made with one prefix on one registry and removed together.
 * Scrape-time metrics are filled by a function of the source's snapshot in their collect().
 */
import { Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import type { SourceSnapshot } from './source.js';

type Labels<L extends string> = Partial<Record<L, string>>;
/** Writes one sample: a label set and its value. */
export type Emit<L extends string> = (labels: Labels<L>, value: number) => void;

export class MetricSet {
  private readonly names: string[] = [];

  constructor(
    private readonly registry: Registry<RegistryContentType>,
    private readonly prefix: string,
    private readonly snapshot: () => SourceSnapshot,
  ) {}

  /** A counter increased as events arrive. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return this.track(name, (full) => new Counter({ name: full, help, labelNames, registers: [this.registry] }));
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return this.track(name, (full) => new Histogram({ name: full, help, labelNames, buckets, registers: [this.registry] }));
  }

  /**
   * A counter whose values are the engine's own lifetime totals, read at scrape time: it includes
   * calls made before the collector was attached, and can never drift from stats().
   */
  scrapedCounter<L extends string>(name: string, help: string, labelNames: readonly L[], fill: (snapshot: SourceSnapshot, emit: Emit<L>) => void): void {
    this.scraped(name, (full, collect) => new Counter({ name: full, help, labelNames, registers: [this.registry], collect() { collect(this, (labels, value) => this.inc(labels, value)); } }), fill);
  }

  /** A gauge read at scrape time; label sets not emitted in a scrape (a removed service) disappear. */
  scrapedGauge<L extends string>(name: string, help: string, labelNames: readonly L[], fill: (snapshot: SourceSnapshot, emit: Emit<L>) => void): void {
    this.scraped(name, (full, collect) => new Gauge({ name: full, help, labelNames, registers: [this.registry], collect() { collect(this, (labels, value) => this.set(labels, value)); } }), fill);
  }

  /** A metric rebuilt at each scrape: cleared, then filled from a fresh snapshot. */
  private scraped<L extends string>(
    name: string,
    create: (full: string, collect: (metric: { reset(): void }, emit: Emit<L>) => void) => unknown,
    fill: (snapshot: SourceSnapshot, emit: Emit<L>) => void,
  ): void {
    const snapshot = this.snapshot;
    this.track(name, (full) =>
      create(full, (metric, emit) => {
        metric.reset();
        fill(snapshot(), emit);
      }),
    );
  }

  /** Removes every metric of this set from the registry. */
  removeAll(): void {
    for (const name of this.names.splice(0)) this.registry.removeSingleMetric(name);
  }

  /** Creates (and so registers) a metric; only a registered one is remembered, so removeAll never removes another's. */
  private track<M>(name: string, create: (fullName: string) => M): M {
    const full = this.prefix + name;
    const metric = create(full);
    this.names.push(full);
    return metric;
  }
}
