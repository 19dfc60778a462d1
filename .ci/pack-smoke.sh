#!/usr/bin/env bash
# Packs the library, installs the tarball in an empty folder, and loads it as a consumer would:
# ESM import, CJS require, the type declarations, and the CLI.
set -euo pipefail
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "./$tarball"

node --input-type=module -e "
import { backoffDelayMs, createResilience } from 'llm-resilience';
const r = createResilience({ services: { openai: { rateLimit: { requestsPerMinute: 60 } } } });
const out = await r.execute('openai', async () => 'ok');
if (out !== 'ok' || backoffDelayMs(2, { jitter: 'none' }) !== 4000) { console.error('ESM smoke failed'); process.exit(1); }
console.log('ESM import: ok');
"
node -e "
const { RateLimiter, CircuitBreaker } = require('llm-resilience');
const limiter = new RateLimiter({ requestsPerMinute: 10 });
limiter.acquire().then((lease) => {
  lease.release();
  if (new CircuitBreaker('x').state !== 'closed' || limiter.stats().requestsLastMinute !== 1) { console.error('CJS smoke failed'); process.exit(1); }
  console.log('CJS require: ok');
});
"
test -f node_modules/llm-resilience/dist/index.d.ts && test -f node_modules/llm-resilience/dist/index.d.cts
echo "type declarations: ok"
npx --no-install llm-resilience help >/dev/null
echo "CLI: ok"
cd "$root"
