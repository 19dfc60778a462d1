/** Reads a Prometheus text exposition the way a scraper would: parsed, then looked up by name and labels. */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

type Family = ReturnType<typeof parsePrometheusTextFormat>[number];
type Sample = Family['metrics'][number];

export class Scrape {
  private readonly families: Map<string, Family>;
  /**
   * The same text with histograms untyped: the parser keeps only unlabelled histograms, so labelled
   * ones are read as their plain `_bucket`, `_sum` and `_count` series.
   */
  private readonly untypedHistograms: Map<string, Family>;

  constructor(text: string) {
    this.families = byName(text);
    this.untypedHistograms = byName(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));
  }

  type(name: string): Family['type'] | undefined {
    return this.families.get(name)?.type;
  }

  /** The samples of `name` whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): Sample[] {
    const family = this.families.get(name);
    if (!family) return [];
    return family.metrics.filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
  }

  /** The one value of `name` with exactly these labels; undefined when there is no such series. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const family = this.families.get(name);
    const sample = family?.metrics.find((s) => sameLabels(s.labels ?? {}, labels));
    return sample?.value === undefined ? undefined : Number(sample.value);
  }

  /** The sum of every sample of `name` whose labels include `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((total, sample) => total + Number(sample.value ?? 0), 0);
  }

  /** A labelled histogram's count, sum and cumulative buckets. */
  histogram(name: string, labels: Record<string, string>): { count: number; sum: number; buckets: Record<string, number> } | undefined {
    const series = (suffix: string) => this.untypedHistograms.get(name + suffix)?.metrics ?? [];
    const count = series('_count').find((s) => sameLabels(s.labels ?? {}, labels));
    const sum = series('_sum').find((s) => sameLabels(s.labels ?? {}, labels));
    if (!count || !sum) return undefined;
    const buckets: Record<string, number> = {};
    for (const bucket of series('_bucket')) {
      const { le, ...rest } = bucket.labels ?? {};
      if (le !== undefined && sameLabels(rest, labels)) buckets[le] = Number(bucket.value);
    }
    return { count: Number(count.value), sum: Number(sum.value), buckets };
  }
}

function byName(text: string): Map<string, Family> {
  return new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
}

function sameLabels(actual: Record<string, string>, expected: Record<string, string>): boolean {
  const keys = Object.keys(actual);
  return keys.length === Object.keys(expected).length && keys.every((key) => actual[key] === expected[key]);
}
