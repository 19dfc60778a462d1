/** The shape of a benchmark module run by `npm run bench` (see run.ts). */

export interface BenchmarkOptions {
  /** Measured rounds per subject (each benchmark has its own default). */
  rounds?: number;
  /** Target wall time of one round, in ms. */
  roundMs?: number;
  /** Progress lines (to stderr, so stdout stays the report). */
  log(line: string): void;
}

export interface BenchmarkReport {
  title: string;
  /** Ready to paste into BENCHMARKS.md. */
  markdown: string;
  /** Everything measured, for `--json`. */
  data: unknown;
}

export interface Benchmark {
  /** What to type after `npm run bench --` to run only this one. */
  name: string;
  description: string;
  run(options: BenchmarkOptions): Promise<BenchmarkReport>;
}
