/** The summary a run ends with: what happened to every alert, at every provider, and a verdict. */
import type { SimulationResult } from './result.js';
import { formatClock } from './scenarios.js';
import { compact, seconds, table } from './text-format.js';

export function summaryTable(r: SimulationResult): string {
  const o = r.outcome;
  const t = r.totals;
  const lines: string[] = [];
  const compression = r.speed === 1 ? 'real time' : `${r.speed}× time: ${formatClock(r.simulatedMs)} of provider time in ${Math.round(r.realMs / 1000)} s`;
  const fleet = r.workers > 1 ? `, ${r.workers} processes sharing Redis` : '';
  lines.push(`Simulation: scenario ${r.scenario.name}, seed ${r.seed}, ${r.workload.alerts} alerts at ${r.alertsPerDay.toLocaleString('en-US')}/day${fleet} (${compression})`);
  lines.push(`Scenario: ${r.scenario.description}`);
  lines.push('');
  lines.push(...table([
    ['alerts', 'requests', 'succeeded', 'failed', 'by a fallback', 'unaccounted'],
    ['', String(o.requests), String(o.succeeded), String(o.failed), String(o.servedByFallback), String(o.unaccounted)],
  ]));
  const causes = Object.entries(o.failedByCause).sort(([, a], [, b]) => b - a);
  lines.push(`Failed by cause: ${causes.length === 0 ? 'none' : causes.map(([cause, n]) => `${cause} ${n}`).join(', ')}`);
  lines.push('');
  const rows: string[][] = [['provider', 'received', 'served', '429s (limits)', 'injected faults', 'violations', 'req/min', 'most used limit', 'tokens', 'retries', 'fallbacks', 'transitions']];
  for (const [id, p] of Object.entries(r.perProvider)) {
    rows.push([
      id,
      String(p!.received),
      String(p!.served),
      String(p!.rateLimited429s),
      String(p!.injectedFailures),
      String(p!.violations),
      String(p!.requestsPerMinute),
      p!.busiestLimit === null ? '-' : `${p!.busiestLimit.limit} ${Math.round(p!.busiestLimit.share * 100)} %`,
      compact(p!.tokensCharged),
      String(p!.retries),
      String(p!.fallbacksFrom),
      String(p!.breakerTransitions),
    ]);
  }
  lines.push(...table(rows));
  lines.push('');
  const l = r.latencyMs;
  lines.push(`Latency per alert (simulated, queueing, retries and fallbacks included): p50 ${seconds(l.p50)}, p95 ${seconds(l.p95)}, p99 ${seconds(l.p99)}, max ${seconds(l.max)}`);
  lines.push(`Goodput: ${t.goodputPerMinute} alerts answered per simulated minute (over the ${formatClock(r.activeMs)} until the last call ended); retries ${t.retries}, fallbacks ${t.fallbacks}, breaker transitions ${t.breakerTransitions}`);
  lines.push(`429s from the providers' limits: ${t.provider429s} (aim 0); limit violations: ${t.limitViolations} (must be 0); accounted for: ${o.succeeded + o.failed} of ${o.requests}`);
  lines.push(`Request sequence digest (same --seed and scenario, same digest): ${r.workload.digest.slice(0, 16)}`);
  lines.push('');
  lines.push(r.verdict.line);
  return `${lines.join('\n')}\n`;
}
