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
node --input-type=module -e "
import { startMockServer } from 'llm-resilience/mock';
const mock = await startMockServer({ keys: { k: { provider: 'openai', limits: { requestsPerMinute: 60, tokensPerMinute: 10000 } } } });
const res = await fetch(mock.url + '/v1/chat/completions', { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }) });
await mock.close();
if (res.status !== 200 || !res.headers.get('x-ratelimit-limit-requests')) { console.error('mock smoke failed: ' + res.status); process.exit(1); }
console.log('llm-resilience/mock: ok');
"
node --input-type=module -e "
import { redisStore } from 'llm-resilience/redis';
import { RateLimiter } from 'llm-resilience';
const calls = [];
const fake = { evalsha: async () => { throw new Error('NOSCRIPT'); }, eval: async () => { calls.push('eval'); throw new Error('down'); }, script: async () => 'sha' };
const limiter = new RateLimiter({ name: 'x', requestsPerMinute: 60, store: redisStore(fake, { prefix: 'smoke' }) });
const lease = await limiter.acquire();
lease.release();
limiter.close();
if (calls.length === 0 || limiter.stats().store.mode !== 'local') { console.error('redis smoke failed'); process.exit(1); }
console.log('llm-resilience/redis: ok');
"
node -e "
const { redisStore } = require('llm-resilience/redis');
if (typeof redisStore !== 'function') { console.error('redis CJS smoke failed'); process.exit(1); }
console.log('llm-resilience/redis (CJS): ok');
"
node --input-type=module -e "
import { loadConfig } from 'llm-resilience/config';
const { config, sources } = loadConfig({ path: 'node_modules/llm-resilience/config/resilience.yaml', env: { OMEGA_OPENAI_MAX_RPM: '42' } });
if (config.rate_limiting.openai.max_requests_per_minute !== 42 || sources.get('rate_limiting.openai.max_requests_per_minute') !== 'env OMEGA_OPENAI_MAX_RPM') { console.error('config smoke failed'); process.exit(1); }
console.log('llm-resilience/config: ok');
"
npm install --no-audit --no-fund --silent prom-client@15 # the optional peer llm-resilience/prometheus needs
node --input-type=module -e "
import { Registry } from 'prom-client';
import { createResilience } from 'llm-resilience';
import { prometheusMetrics } from 'llm-resilience/prometheus';
const r = createResilience({ services: { openai: { rateLimit: { requestsPerMinute: 60 } } } });
const registry = new Registry();
prometheusMetrics(r, { registry });
await r.execute('openai', async () => 'ok');
if (!/llm_resilience_requests_total\{service=.openai.,outcome=.success.\} 1/.test(await registry.metrics())) { console.error('prometheus smoke failed'); process.exit(1); }
console.log('llm-resilience/prometheus: ok');
"
node -e "
const { createServer } = require('node:http');
const { healthHandler } = require('llm-resilience/http');
const { createResilience } = require('llm-resilience');
const server = createServer(healthHandler(createResilience({ services: { openai: {} } }))).listen(0, '127.0.0.1', async () => {
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/readyz');
  server.close();
  if (res.status !== 200 || (await res.json()).status !== 'healthy') { console.error('http smoke failed'); process.exit(1); }
  console.log('llm-resilience/http (CJS): ok');
});
"
npx --no-install llm-resilience check-config node_modules/llm-resilience/config/resilience.yaml >/dev/null
echo "check-config: ok"
node --input-type=module -e "
import { instrumentOpenTelemetry } from 'llm-resilience/otel';
if (typeof instrumentOpenTelemetry !== 'function') { console.error('otel smoke failed'); process.exit(1); }
console.log('llm-resilience/otel (without @opentelemetry/api installed): ok');
"
test -f node_modules/llm-resilience/dist/redis.d.ts && test -f node_modules/llm-resilience/dist/redis.d.cts
test -f node_modules/llm-resilience/dist/index.d.ts && test -f node_modules/llm-resilience/dist/index.d.cts
echo "type declarations: ok"
npx --no-install llm-resilience help >/dev/null
echo "CLI: ok"
# The installed CLI's simulation, with its report (Chart.js resolved from the installed package).
npx --no-install llm-resilience simulate --duration 3 --speed 10 --providers openai,anthropic --scenario outage --json --report sim.html >sim.json 2>sim.log || { cat sim.log; exit 1; }
node -e "
const r = JSON.parse(require('fs').readFileSync('sim.json', 'utf8'));
const html = require('fs').readFileSync('sim.html', 'utf8');
if (r.outcome.unaccounted !== 0 || r.totals.limitViolations !== 0 || !html.includes('Chart.js')) { console.error('simulate smoke failed'); process.exit(1); }
console.log('CLI simulate + report: ok (' + r.outcome.requests + ' requests)');
"
cd "$root"
