/**
 * `llm-resilience simulate` in-process, over real HTTP against the embedded mock: the JSON result
 * accounts for every request with zero limit violations; the same seed and scenario give the same
 * request sequence; bad options exit 2 naming the option; --dashboard serves the live page.
 */
import { describe, expect, it } from 'vitest';
import { runSimulateCommand } from '../../src/cli/simulate-command.js';
import type { SimulationResult } from '../../src/simulate/result.js';

async function simulate(args: string[], onErr?: (text: string) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runSimulateCommand(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => {
      stderr += t;
      onErr?.(t);
    },
    interactive: false,
  });
  return { code, stdout, stderr };
}

const SHORT = ['--duration', '3', '--speed', '20', '--providers', 'openai,anthropic,xai', '--alerts-per-day', '200000'];

describe('llm-resilience simulate', () => {
  it('--json: one result, every request accounted for, zero limit violations', async () => {
    const { code, stdout, stderr } = await simulate([...SHORT, '--scenario', 'outage', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as SimulationResult;
    expect(result.outcome.requests).toBe(result.workload.alerts);
    expect(result.outcome.requests).toBeGreaterThan(100);
    expect(result.outcome.succeeded + result.outcome.failed).toBe(result.outcome.requests);
    expect(result.outcome.unaccounted).toBe(0);
    expect(result.totals.limitViolations).toBe(0);
    expect(Object.values(result.outcome.failedByCause).reduce((a, b) => a + b, 0)).toBe(result.outcome.failed);
    // The outage was seen: openai's breaker opened, calls moved on to the fallbacks.
    expect(result.transitions.some((t) => t.provider === 'openai' && t.to === 'open')).toBe(true);
    expect(result.outcome.servedByFallback).toBeGreaterThan(0);
    expect(result.perProvider.openai!.injectedFailures).toBeGreaterThan(0);
    expect(['pass', 'warn']).toContain(result.verdict.status);
    // The providers' ledgers agree with the client: every alert answered was answered by one of them.
    const served = Object.values(result.perProvider).reduce((n, p) => n + p!.served, 0);
    expect(served).toBe(result.outcome.succeeded);
    expect(stderr).toContain('time compressed 20×');
  }, 60_000);

  it('gives the same request sequence for the same seed and scenario', async () => {
    const args = [...SHORT, '--scenario', 'storm', '--seed', '42', '--json'];
    const [a, b] = [JSON.parse((await simulate(args)).stdout) as SimulationResult, JSON.parse((await simulate(args)).stdout) as SimulationResult];
    expect(b.workload).toEqual(a.workload);
    expect(b.scenario).toEqual(a.scenario);
    const other = JSON.parse((await simulate([...SHORT, '--scenario', 'storm', '--seed', '43', '--json'])).stdout) as SimulationResult;
    expect(other.workload.digest).not.toBe(a.workload.digest);
  }, 90_000);

  it('prints the summary table with the verdict without --json', async () => {
    const { code, stdout } = await simulate([...SHORT, '--scenario', 'steady']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/429s from the providers' limits: \d+ \(aim 0\); limit violations: 0 \(must be 0\); accounted for: (\d+) of \1/);
    expect(stdout).toMatch(/^(PASS|WARN): /m);
    expect(stdout).toMatch(/Latency per alert .* p50 .* p95 .* p99 /);
  }, 60_000);

  it.each([
    [['--speed', '500'], /--speed.*500.*from 1 to 60/],
    [['--providers', 'openai,bard'], /--providers.*bard.*openai, anthropic/],
    [['--scenario', 'earthquake'], /--scenario.*earthquake.*steady, outage, quota, storm, slow, mixed/],
    [['--duration', 'soon'], /--duration.*soon.*seconds/],
    [['--frobnicate'], /frobnicate/],
    [['--scenario', '/nonexistent/s.yaml'], /readable scenario file/],
    [['--config', '/nonexistent/resilience.yaml'], /nonexistent\/resilience\.yaml.*readable file/],
    [['--redis', '--workers', '40'], /--workers.*40.*from 1 to 16/],
    [['--redis', '--dashboard'], /--dashboard.*each worker process has its own client/],
  ])('exits 2 for %j, naming the option', async (args, message) => {
    const { code, stderr, stdout } = await simulate(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });

  it('--dashboard prints the URL of a live page while the run lasts', async () => {
    let snapshot: unknown;
    let page = '';
    const fetched: Promise<void>[] = [];
    const { code } = await simulate([...SHORT, '--duration', '4', '--scenario', 'steady', '--dashboard', '0'], (text) => {
      const url = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/dashboard)/.exec(text)?.[1];
      if (url)
        fetched.push(
          (async () => {
            page = await (await fetch(url)).text();
            snapshot = await (await fetch(`${url}/snapshot`)).json();
          })(),
        );
    });
    await Promise.all(fetched);
    expect(code).toBe(0);
    expect(page).toContain('<html');
    expect(JSON.stringify(snapshot)).toContain('openai');
    expect(JSON.stringify(snapshot)).not.toContain('sk-sim-');
  }, 60_000);
});
