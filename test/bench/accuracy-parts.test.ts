import { describe, expect, it } from 'vitest';
import { generated, withSection } from '../../bench/accuracy/doc-section.js';
import type { Row } from '../../bench/accuracy/row.js';
import { allowedRequests, minutesTouched } from '../../bench/load/allowance.js';

/** A row of the `told` scenario with round numbers. */
const row = (subject: string): Row => ({
  scenario: 'told',
  subject,
  completed: 6,
  failed: 1,
  unfinished: 0,
  server429s: 3,
  attempts: 10,
  attemptsPerSuccess: 10 / 6,
  completedPerMinute: 98,
  allowedPerMinute: 100,
  goodput: 0.98,
  p50Ms: 500,
  p95Ms: 900,
  violations: 0,
  elapsedMs: 15_000,
  chargedTokensPerRequest: 405,
  failures: { RateLimitError: 1 },
  firstErrors: [],
});

describe('accuracy benchmark parts', () => {
  it('what the limits allow: burst + refill on the binding dimension, at the charged size', () => {
    const limits = [
      { limit: 600, burst: 60, perRequest: 1 },
      { limit: 60_000, burst: 6_000, perRequest: 400 },
    ];
    // 30 s: RPM allows 60 + 300 requests, TPM (6 000 + 30 000) / 400 = 90: tokens bind.
    expect(allowedRequests(limits, 30_000)).toBe(90);
    // A cheaper charge model allows more requests of the same traffic.
    expect(allowedRequests([limits[0]!, { ...limits[1]!, perRequest: 150 }], 30_000)).toBe(240);
  });

  it('fixed windows allow the whole limit of every calendar minute the run touched', () => {
    const start = Date.UTC(2026, 0, 1, 12, 0, 50);
    expect(minutesTouched(start, start + 5_000)).toBe(1);
    expect(minutesTouched(start, start + 15_000)).toBe(2);
    expect(allowedRequests([{ limit: 60_000, burst: 60_000, perRequest: 400, fixedMinute: true }], 15_000, start)).toBe(300);
  });

  it('the BENCHMARKS.md section is appended once, then replaced in place with the prose around it kept', () => {
    const doc = '# Benchmarks\n\n## Goodput\n\ntext\n';
    const artifact = (date: string, subject: string) => ({ cellMs: 15_000, date, node: 'v20.20.2', rows: [row(subject)], skipped: [{ scenario: 'fleet-redis', reason: 'Redis does not answer' }] });
    const first = withSection(doc, generated(artifact('2026-11-30T10:00:00Z', 'client A')));
    expect(first).toContain('## Goodput\n\ntext\n\n## Accuracy');
    expect(first).toContain('| client A | 3 (30.0 %) | 1 | 0 | 6 | 0.98 | 1.67 | 900 ms |');
    expect(first).toContain('### fleet-redis\n\n4 processes share the limits through Redis (4 callers each); told the limits; our clients only.\n\nSkipped: Redis does not answer.');
    const edited = `${first}\nA note written by hand.\n`;
    const second = withSection(edited, generated(artifact('2026-12-01T10:00:00Z', 'client B')));
    expect(second).not.toContain('client A');
    expect(second).toContain('| client B |');
    expect(second).toContain('One run on 2026-12-01');
    expect(second).toContain('A note written by hand.');
    expect(second.match(/## Accuracy/g)).toHaveLength(1);
  });
});
