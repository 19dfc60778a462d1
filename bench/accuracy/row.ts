/**
 * One row of the report, from what the clients saw (the load's result) and what the provider saw
 * (the mock's ledger): 429s are the ledger's refusals for its limits, attempts are the requests
 * it received, and goodput is completed work per minute over what the binding limit allows over
 * the run (see ../load/allowance.ts), at the size the provider charged the requests.
 */
import type { KeyDescription, KeyLedgerReport, RejectionReason } from '../../src/mock/index.js';
import { allowedRequests, type LimitUse } from '../load/allowance.js';
import type { LoadResult } from '../load/callers.js';
import { percentile } from '../load/percentile.js';

export interface Row {
  scenario: string;
  subject: string;
  completed: number;
  /** Calls that failed (the client gave up, or raised). */
  failed: number;
  /** Calls still running when the cell's drain ended. */
  unfinished: number;
  /** Requests the provider refused for its limits (429). */
  server429s: number;
  /** Requests the provider received: every attempt, refused or not. */
  attempts: number;
  attemptsPerSuccess: number;
  completedPerMinute: number;
  allowedPerMinute: number;
  /** completedPerMinute / allowedPerMinute. */
  goodput: number;
  p50Ms: number;
  p95Ms: number;
  /** Limit violations found by the mock's own audit (always 0). */
  violations: number;
  elapsedMs: number;
  /** Average tokens the provider charged an admitted request. */
  chargedTokensPerRequest: number;
  failures: Record<string, number>;
  firstErrors: string[];
}

/** The refusals that are the provider's limits (not injected faults or quota). */
const LIMIT_REASONS: readonly RejectionReason[] = ['requests', 'tokens', 'inputTokens', 'outputTokens', 'requestsPerDay', 'tokensPerDay', 'concurrency'];

/** The key's per-minute limits with what one request was charged on each (`nominalTokens` before any admission). */
export function limitUses(key: KeyDescription, ledger: KeyLedgerReport, nominalTokens: number): LimitUse[] {
  const tokensPerRequest = ledger.admitted > 0 ? ledger.charged.tokens / ledger.admitted : nominalTokens;
  const uses: LimitUse[] = [];
  for (const bucket of key.buckets) {
    const perRequest = bucket.dimension === 'requests' ? 1 : bucket.dimension === 'tokens' ? tokensPerRequest : undefined;
    if (perRequest !== undefined) uses.push({ limit: bucket.limit, burst: bucket.capacity, perRequest, fixedMinute: bucket.window === 'fixed-minute' });
  }
  return uses;
}

export interface RowInput {
  scenario: string;
  subject: string;
  load: LoadResult;
  ledger: KeyLedgerReport;
  key: KeyDescription;
  /** The mock's wall time when the cell started (fixed windows are calendar minutes). */
  startWallMs: number;
  nominalTokens: number;
}

export function toRow({ scenario, subject, load, ledger, key, startWallMs, nominalTokens }: RowInput): Row {
  const completed = load.latencies.length;
  const elapsedMin = load.elapsedMs / 60_000;
  const allowed = allowedRequests(limitUses(key, ledger, nominalTokens), load.elapsedMs, startWallMs);
  const completedPerMinute = completed / elapsedMin;
  const allowedPerMinute = allowed / elapsedMin;
  return {
    scenario,
    subject,
    completed,
    failed: load.failed,
    unfinished: load.unfinished,
    server429s: LIMIT_REASONS.reduce((sum, reason) => sum + ledger.rejected[reason], 0),
    attempts: ledger.received,
    attemptsPerSuccess: completed > 0 ? ledger.received / completed : NaN,
    completedPerMinute,
    allowedPerMinute,
    goodput: completedPerMinute / allowedPerMinute,
    p50Ms: percentile(load.latencies, 50),
    p95Ms: percentile(load.latencies, 95),
    violations: ledger.violations,
    elapsedMs: load.elapsedMs,
    chargedTokensPerRequest: ledger.admitted > 0 ? ledger.charged.tokens / ledger.admitted : NaN,
    failures: load.failures,
    firstErrors: load.firstErrors,
  };
}
