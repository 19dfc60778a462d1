/**
 * Goodput under a provider's limits, side by side in one run, against the mock provider server
 * over real HTTP: the official `openai` SDK alone (its default retries), the SDK throttled by
 * p-queue at the key's requests per minute, and the SDK with `resilientFetch`. Each subject gets a
 * fresh key with the same limits and the same load (16 callers sending as fast as they are
 * served); the limits bind on tokens, as they usually do for LLM traffic.
 */
import OpenAI from 'openai';
import PQueue from 'p-queue';
import { resilientFetch } from '../src/client/resilient-fetch.js';
import { type MockServer, startMockServer } from '../src/mock/index.js';
import { createResilience } from '../src/policy/resilience.js';
import type { Benchmark, BenchmarkOptions, BenchmarkReport } from './benchmark.js';
import { allowedRequests } from './load/allowance.js';
import { runCallers } from './load/callers.js';
import { percentile } from './load/percentile.js';
import { MAX_TOKENS, MOCK_LATENCY, MOCK_OUTPUT_TOKENS, PROMPT } from './load/workload.js';

const RPM = 120;
const TPM = 24_000;
/** A small burst (6 s of rate) so that a short run measures the steady rate, not the first minute's burst. */
const BURST_SECONDS = 6;
const CALLERS = 16;

interface Row {
  subject: string;
  completed: number;
  failed: number;
  completedPerMinute: number;
  /** What the limits allow per minute over the run for this traffic: the burst plus the refill, on the binding dimension. */
  allowedPerMinute: number;
  server429s: number;
  violations: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

async function measure(mock: MockServer, subject: string, key: string, call: () => Promise<unknown>, durationMs: number): Promise<Row> {
  // A call in flight at the deadline is awaited, not cut.
  const { latencies, failed, elapsedMs } = await runCallers({ callers: CALLERS, durationMs, call: () => call() });
  const elapsedMin = elapsedMs / 60_000;
  const ledger = mock.ledger(key);
  const tokensPerRequest = ledger.admitted > 0 ? ledger.charged.tokens / ledger.admitted : 400;
  const burst = (perMinute: number) => (perMinute / 60) * BURST_SECONDS;
  const allowed = allowedRequests(
    [
      { limit: RPM, burst: burst(RPM), perRequest: 1 },
      { limit: TPM, burst: burst(TPM), perRequest: tokensPerRequest },
    ],
    elapsedMs,
  );
  return {
    subject,
    completed: latencies.length,
    failed,
    completedPerMinute: latencies.length / elapsedMin,
    allowedPerMinute: allowed / elapsedMin,
    server429s: ledger.rejectedTotal,
    violations: ledger.violations,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
  };
}

export const goodput: Benchmark = {
  name: 'goodput',
  description: 'completed requests per minute under the mock provider limits: openai SDK alone, with p-queue, with resilientFetch',
  async run(options: BenchmarkOptions): Promise<BenchmarkReport> {
    const durationMs = (options.rounds ?? 30) * 1000;
    const limits = { requestsPerMinute: RPM, tokensPerMinute: TPM, burst: { requests: (RPM / 60) * BURST_SECONDS, tokens: (TPM / 60) * BURST_SECONDS } };
    const mock = await startMockServer({
      seed: 5,
      keys: Object.fromEntries(['sdk', 'p-queue', 'resilient'].map((name) => [`sk-goodput-${name}`, { provider: 'openai' as const, limits, latency: MOCK_LATENCY, outputTokens: MOCK_OUTPUT_TOKENS }])),
    });
    const request = { model: 'gpt-4o-mini', max_tokens: MAX_TOKENS, messages: [{ role: 'user' as const, content: PROMPT }] };
    const rows: Row[] = [];
    try {
      options.log(`goodput: openai SDK alone, ${durationMs / 1000} s`);
      const sdk = new OpenAI({ apiKey: 'sk-goodput-sdk', baseURL: `${mock.url}/v1` });
      rows.push(await measure(mock, 'openai SDK alone (2 retries)', 'sk-goodput-sdk', () => sdk.chat.completions.create(request), durationMs));

      options.log(`goodput: openai SDK + p-queue at ${RPM} RPM, ${durationMs / 1000} s`);
      const throttled = new OpenAI({ apiKey: 'sk-goodput-p-queue', baseURL: `${mock.url}/v1` });
      const queue = new PQueue({ intervalCap: RPM / 60, interval: 1000 });
      rows.push(await measure(mock, `openai SDK + p-queue (${RPM} RPM)`, 'sk-goodput-p-queue', () => queue.add(() => throttled.chat.completions.create(request)), durationMs));
      queue.clear();

      options.log(`goodput: openai SDK + resilientFetch, ${durationMs / 1000} s`);
      const resilience = createResilience({
        // The key's real bucket (its burst), as a user would configure it for this provider.
        services: {
          openai: {
            rateLimit: { requestsPerMinute: RPM, tokensPerMinute: TPM, burst: { requestsPerMinute: limits.burst.requests, tokensPerMinute: limits.burst.tokens }, maxWaitMs: 60_000, providerDelayMs: 50 },
            timeoutMs: 30_000,
          },
        },
      });
      const resilient = new OpenAI({ apiKey: 'sk-goodput-resilient', baseURL: `${mock.url}/v1`, maxRetries: 0, fetch: resilientFetch({ service: 'openai', resilience }) });
      rows.push(await measure(mock, 'openai SDK + resilientFetch', 'sk-goodput-resilient', () => resilient.chat.completions.create(request), durationMs));
    } finally {
      await mock.close();
    }
    const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
    const markdown = [
      `Limits per key: ${RPM} RPM, ${TPM.toLocaleString('en-US')} TPM (burst ${BURST_SECONDS} s of rate); ${CALLERS} callers; requests of about 400 tokens (prompt + max_tokens ${MAX_TOKENS}); ${durationMs / 1000} s per subject.`,
      '',
      '| subject | completed / min | allowed / min | 429s at the server | failed calls | p50 | p95 | p99 |',
      '|---|--:|--:|--:|--:|--:|--:|--:|',
      ...rows.map((r) => `| ${r.subject} | ${r.completedPerMinute.toFixed(1)} | ${r.allowedPerMinute.toFixed(1)} | ${r.server429s} | ${r.failed} | ${fmt(r.p50Ms)} ms | ${fmt(r.p95Ms)} ms | ${fmt(r.p99Ms)} ms |`),
      '',
      `Limit violations counted by the mock's own audit: ${rows.map((r) => `${r.subject}: ${r.violations}`).join('; ')}.`,
    ].join('\n');
    return { title: 'Goodput under provider limits (openai SDK against the mock server)', markdown, data: { rpm: RPM, tpm: TPM, callers: CALLERS, durationMs, rows } };
  },
};
