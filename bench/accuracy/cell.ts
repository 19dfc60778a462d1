/**
 * One cell: a scenario × a client in this process, against a mock server of its own (a fresh
 * key, nothing left over from another cell; closing it also ends any call a client left behind).
 */
import { startMockServer } from '../../src/mock/index.js';
import { type LoadResult, runBurst, runCallers } from '../load/callers.js';
import { toRow, type Row } from './row.js';
import type { Scenario } from './scenarios.js';
import type { Subject } from './subject.js';
import { cellClock } from './mock-clock.js';
import { CALLERS, DRAIN_MS } from './workload.js';

export interface CellOptions {
  cellMs: number;
  drainMs?: number;
  seed?: number;
}

/** Tokens of one request under the sum model, by the mock's rule, for the allowance before any admission. */
export const nominalTokens = (prompt: string, maxTokens: number): number => 3 + 4 + Math.ceil(prompt.length / 4) + maxTokens;

export async function runCell(scenario: Scenario, subject: Subject, options: CellOptions): Promise<Row> {
  const apiKey = `sk-accuracy-${subject.id}`;
  const clock = cellClock(scenario.minuteBoundaryAt === undefined ? undefined : scenario.minuteBoundaryAt * options.cellMs);
  const mock = await startMockServer({ seed: options.seed ?? 7, keys: { [apiKey]: scenario.key }, clock });
  const instance = subject.open({ url: mock.url, apiKey, told: scenario.told, workload: scenario.workload });
  const drainMs = options.drainMs ?? DRAIN_MS;
  try {
    const startWallMs = clock.wallTime!();
    const load: LoadResult =
      scenario.load.kind === 'burst'
        ? await runBurst(scenario.load.requests, options.cellMs, drainMs, (signal) => instance.call(signal))
        : await runCallers({ callers: CALLERS, durationMs: options.cellMs, drainMs, call: (signal) => instance.call(signal) });
    return toRow({
      scenario: scenario.name,
      subject: subject.label,
      load,
      ledger: mock.ledger(apiKey),
      key: mock.keys[apiKey]!,
      startWallMs,
      nominalTokens: nominalTokens(scenario.workload.prompt, scenario.workload.maxTokens),
    });
  } finally {
    // The mock first: a call a client left running (an SDK asleep between retries) then fails at once.
    await mock.close();
    await boundedClose(instance);
  }
}

/** Closing a client waits for its calls in flight (bottleneck's stop does): never longer than this. */
const CLOSE_TIMEOUT_MS = 5_000;

/** Closes `instance`, giving up after CLOSE_TIMEOUT_MS. */
export async function boundedClose(instance: { close(): Promise<void> }): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)));
  await Promise.race([instance.close().catch(() => undefined), late]);
  clearTimeout(timer);
}
