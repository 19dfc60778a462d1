/** The accuracy report: a markdown table per scenario (rows = clients), with the failures named under it. */
import type { Row } from './row.js';
import type { Scenario } from './scenarios.js';
import { BURST_SECONDS, CALLERS, REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE } from './workload.js';

export const TITLE = 'Accuracy: 429s, failures and goodput under provider limits (`npm run bench -- accuracy`)';

const count = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const ratio = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const percent = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '-');

/** One scenario's table. */
export function scenarioTable(rows: readonly Row[]): string {
  const lines = [
    '| client | 429s (of attempts) | failed | unfinished | completed | goodput | attempts / success | p95 |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.subject} | ${count(r.server429s)} (${percent(r.server429s, r.attempts)}) | ${count(r.failed)} | ${count(r.unfinished)} | ${count(r.completed)} | ${ratio(r.goodput)} | ${ratio(r.attemptsPerSuccess)} | ${count(r.p95Ms)} ms |`,
    ),
  ];
  const failures = rows.filter((r) => r.failed > 0).map((r) => `${r.subject}: ${Object.entries(r.failures).map(([name, n]) => `${name} × ${count(n)}`).join(', ')}`);
  if (failures.length > 0) lines.push('', `Failures: ${failures.join('; ')}.`);
  const violations = rows.filter((r) => r.violations > 0);
  if (violations.length > 0) lines.push('', `**Limit violations found by the mock's audit**: ${violations.map((r) => `${r.subject}: ${r.violations}`).join('; ')}.`);
  return lines.join('\n');
}

export interface Skipped {
  scenario: string;
  reason: string;
}

/** Who is measured, and how each is set up (the choices a reader needs to judge the numbers). */
const CLIENTS = [
  'Clients, each on its own fresh key:',
  '',
  '- **openai SDK alone**: `new OpenAI({ apiKey, baseURL })`, its default 2 retries (which honour `retry-after-ms`).',
  '- **SDK + p-queue**: `new PQueue({ intervalCap: floor(RPM / 60), interval: 1000 })`; p-queue counts jobs, so it gets the RPM only (told nothing: OpenAI\'s tier-1 500 RPM).',
  '- **SDK + bottleneck**: `minTime` at the RPM and a reservoir of tokens refilled every second at TPM / 60 up to the told burst (or a minute\'s worth), each job weighted by a user\'s estimate (characters / 4 + max_tokens). Told nothing: tier 1, 500 RPM and 200 000 TPM.',
  '- **SDK + resilientFetch**: `createResilience({ services: { openai: { rateLimit: { requestsPerMinute, tokensPerMinute, burst } } } })` with the told limits (no `rateLimit` when told nothing) and the SDK\'s `maxRetries: 0`, as the README shows.',
  '- **UnifiedLLMClient**: only `providers.openai` (`apiKey`, `baseURL` at the mock, `rateLimit` with the told limits, none when told nothing), `fallback: []`, default retries.',
  '',
  'A caller sends its next call as soon as the last one ends, failed or not: a client that refuses at once (ours, when the provider asked for a pause longer than `maxWaitMs`) counts a failure for every turn of its callers.',
].join('\n');

/** The whole report: the set-up, then one table per scenario run, and the scenarios skipped with their reason. */
export function accuracyMarkdown(scenarios: readonly Scenario[], rows: readonly Row[], skipped: readonly Skipped[], cellMs: number): string {
  const parts = [
    `Provider limits per key: ${REQUESTS_PER_MINUTE} RPM, ${TOKENS_PER_MINUTE.toLocaleString('en-US')} TPM, burst ${BURST_SECONDS} s of rate (continuous buckets unless said); ${CALLERS} callers sending as fast as they are served, requests of about 155 prompt tokens + max_tokens 250; ${cellMs / 1000} s per cell, then up to 15 s for calls in flight to finish (the rest are unfinished); a fresh mock key per cell.`,
    '',
    'Goodput = completed requests per minute ÷ what the binding limit allows over the cell (burst + refill; for fixed windows, the whole limit of each calendar minute the cell touched), at the size the provider charged the requests. 429s are the mock ledger\'s refusals for its limits; attempts are the requests it received.',
    '',
    CLIENTS,
  ];
  for (const scenario of scenarios) {
    const own = rows.filter((r) => r.scenario === scenario.name);
    const skip = skipped.find((s) => s.scenario === scenario.name);
    if (own.length === 0 && !skip) continue;
    parts.push('', `### ${scenario.name}`, '', `${scenario.description[0]!.toUpperCase()}${scenario.description.slice(1)}.`, '');
    parts.push(skip ? `Skipped: ${skip.reason}.` : scenarioTable(own));
  }
  return parts.join('\n');
}
