/**
 * A loop of sequential executes through the same pipeline as the engine benchmark, to profile.
 * Under tsx every function of src/ reports line 1, so bundle it first for usable positions:
 *   npx esbuild bench/profile-engine.ts --bundle --platform=node --format=esm --outfile=/tmp/profile-engine.mjs
 *   node --cpu-prof --cpu-prof-interval 50 --cpu-prof-dir=/tmp/prof /tmp/profile-engine.mjs 2000000
 *   node --import tsx bench/top-self.ts /tmp/prof/CPU.*.cpuprofile
 * (or open the .cpuprofile in Chrome DevTools). `node --import tsx bench/profile-engine.ts` runs it as is.
 */
import { createResilience } from '../src/index.js';

const calls = Number(process.argv[2] ?? 1_000_000);
const resilience = createResilience({
  services: { svc: { rateLimit: { requestsPerMinute: 1e12, tokensPerMinute: 1e15, maxConcurrent: 1_000_000_000 }, circuitBreaker: {}, retry: {} } },
});
const noop = async (): Promise<number> => 1;

let sink = 0;
const start = performance.now();
for (let i = 0; i < calls; i++) sink += await resilience.execute('svc', noop, { tokens: 1 });
const ms = performance.now() - start;
if (sink !== calls) throw new Error(`expected ${calls}, got ${sink}`);
console.log(`${calls} sequential executes: ${((ms * 1e6) / calls).toFixed(0)} ns/op`);
