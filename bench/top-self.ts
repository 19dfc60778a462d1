/**
 * Prints the functions with the most self time in a V8 .cpuprofile (from `node --cpu-prof`):
 *   node --import tsx bench/top-self.ts /tmp/prof/CPU.*.cpuprofile [count]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}

const [path, countArg] = process.argv.slice(2);
if (!path) throw new Error('usage: top-self.ts <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
for (const id of profile.samples) {
  const frame = byId.get(id)!.callFrame;
  const where = frame.url ? `${frame.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${frame.lineNumber + 1}` : '';
  const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + 1);
}
const total = profile.samples.length;
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 25));
console.log('| self % | function | where |\n|--:|---|---|');
for (const [key, hits] of top) {
  const [name, where = ''] = key.split(' ');
  console.log(`| ${((hits / total) * 100).toFixed(1)} | ${name} | ${where} |`);
}
