/**
 * Chart.js, read from its package to be inlined into a report (so the file works offline, with no
 * CDN). Its UMD build is not in the package's exports, so it is found beside the main entry.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** The minified UMD build of Chart.js, safe to place inside a `<script>` element. */
export function chartJsSource(): string {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const main = require.resolve('chart.js');
  const source = readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
  // No source map to look for offline; no early end of the script element.
  cached = source.replace(/\/\/# sourceMappingURL=\S+\s*$/, '').replace(/<\/script/gi, '<\\/script');
  return cached;
}

/** The library's version, named in the report. */
export function chartJsVersion(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('chart.js');
  const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
