/**
 * The limiter's shape (issue 11): small files with one concern, no import circle, and the core
 * free of Node-only imports (it runs on edge runtimes). Read from the sources, type imports included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The relative imports of a file (`import`/`export ... from`, types included), as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+'(\.[^']+)'/g)) {
    found.push(resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts')));
  }
  return found;
}

/** The import graph among `files`. */
function importGraph(files: string[]): Map<string, string[]> {
  return new Map(files.map((f) => [f, importsOf(f).filter((to) => files.includes(to))]));
}

/** One circle of `graph`, as a list of its nodes relative to src (empty: none). */
function findCircle(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] => {
    if (state.get(file) === 'done') return [];
    if (state.get(file) === 'open') return [...stack.slice(stack.indexOf(file)), file].map((f) => relative(SRC, f));
    state.set(file, 'open');
    stack.push(file);
    for (const to of graph.get(file) ?? []) {
      const circle = visit(to);
      if (circle.length > 0) return circle;
    }
    stack.pop();
    state.set(file, 'done');
    return [];
  };
  for (const file of graph.keys()) {
    const circle = visit(file);
    if (circle.length > 0) return circle;
  }
  return [];
}

describe('the limiter engine is built as one engine of small parts', () => {
  const limiterFiles = sourceFiles(join(SRC, 'limiter'));

  it('has no file over 300 lines in src/limiter', () => {
    const long = limiterFiles
      .map((f) => ({ file: relative(SRC, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > 300);
    expect(long).toEqual([]);
  });

  it('has no import circle in src/limiter (type imports included)', () => {
    expect(findCircle(importGraph(limiterFiles))).toEqual([]);
  });

  it('the circle finder finds a circle when there is one, and reads type imports', () => {
    const [a, b, c] = ['x/a.ts', 'x/b.ts', 'x/c.ts'].map((f) => join(SRC, f)) as [string, string, string];
    expect(findCircle(new Map([[a, [b]], [b, [c]], [c, [a]]]))).toEqual(['x/a.ts', 'x/b.ts', 'x/c.ts', 'x/a.ts']);
    expect(findCircle(new Map([[a, [b]], [b, [c]], [c, []]]))).toEqual([]);
    const limiterTypes = limiterFiles.find((f) => f.endsWith('limiter-types.ts'))!;
    expect(importsOf(limiterTypes)).toContain(join(SRC, 'limiter/store-status.ts'));
  });

  it('the core engine imports nothing from node: (it runs on edge runtimes)', () => {
    const core = ['limiter', 'breaker', 'retry', 'policy', 'core'].flatMap((dir) => sourceFiles(join(SRC, dir)));
    const nodeOnly = core.filter((f) => /from\s+'node:/.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f));
    expect(nodeOnly).toEqual([]);
  });
});
