import { describe, expect, it } from 'vitest';
import { runCell } from '../../bench/accuracy/cell.js';
import { SCENARIOS } from '../../bench/accuracy/scenarios.js';
import { unifiedClient } from '../../bench/accuracy/ours.js';
import { chatRequest, type Subject } from '../../bench/accuracy/subject.js';

const told = SCENARIOS.find((s) => s.name === 'told')!;

/** A client with no limiter and no retries: every 429 it gets is one failed call. */
const bareFetch: Subject = {
  id: 'bare-fetch',
  label: 'bare fetch',
  ours: false,
  open({ url, apiKey, workload }) {
    const body = JSON.stringify(chatRequest(workload));
    return {
      async call(signal) {
        const response = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body, signal });
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`status ${response.status}`);
      },
      close: async () => undefined,
    };
  },
};

describe('accuracy benchmark: one cell through the benchmark\'s own code path', () => {
  it('told × UnifiedLLMClient: every field of the row is computed', { timeout: 60_000 }, async () => {
    const row = await runCell(told, unifiedClient, { cellMs: 3_000 });
    expect(row).toMatchObject({ scenario: 'told', subject: 'UnifiedLLMClient', violations: 0 });
    expect(row.completed).toBeGreaterThan(0);
    expect(row.attempts).toBeGreaterThanOrEqual(row.completed);
    expect(row.server429s).toBeGreaterThanOrEqual(0);
    expect(row.server429s).toBeLessThanOrEqual(row.attempts);
    expect(row.goodput).toBeGreaterThan(0);
    expect(row.goodput).toBeLessThanOrEqual(1.5);
    expect(row.attemptsPerSuccess).toBeGreaterThanOrEqual(1);
    expect(Number.isFinite(row.p95Ms) && row.p95Ms >= row.p50Ms).toBe(true);
    // About 405 tokens a request under the provider's sum model (155 prompt + 250 max_tokens).
    expect(row.chargedTokensPerRequest).toBeCloseTo(405, -1);
    expect(Number.isInteger(row.failed) && Number.isInteger(row.unfinished)).toBe(true);
  });

  it('429s come from the mock\'s ledger: a client without limits sees exactly the refusals the row counts', { timeout: 60_000 }, async () => {
    const row = await runCell(told, bareFetch, { cellMs: 2_000 });
    expect(row.server429s).toBeGreaterThan(0);
    expect(row.failed).toBe(row.server429s);
    expect(row.attempts).toBe(row.completed + row.failed);
    expect(row.failures).toEqual({ Error: row.failed });
  });
});
