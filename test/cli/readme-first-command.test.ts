/**
 * The README's first command, run exactly as written in a fresh clone of this repository (HEAD:
 * on CI, main), completes; its summary says zero limit violations and every request accounted
 * for. Then the same run's JSON (`npm run simulate -- --json`) in that clone says the same.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulationResult } from '../../src/simulate/result.js';

const README = readFileSync('README.md', 'utf8');
/** The first line of the first bash block, without its comment. */
const FIRST_COMMAND = /```bash\n([^\n]+)\n/.exec(README)![1]!.replace(/\s+#.*$/, '').trim();

function run(command: string, cwd: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`'${command}' did not finish in ${timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the README's first command in a fresh clone", () => {
  let clone: string;

  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'llmr-readme-'));
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${process.cwd()}`, clone], { stdio: 'pipe' });
  });

  afterAll(() => {
    if (clone) rmSync(clone, { recursive: true, force: true });
  });

  it('is the simulation', () => {
    expect(FIRST_COMMAND).toBe('npm ci && npm run simulate');
  });

  it('completes with zero limit violations and every request accounted for', async () => {
    const { code, stdout, stderr } = await run(FIRST_COMMAND, clone, 8 * 60_000);
    expect(code, stderr.slice(-3000)).toBe(0);
    const accounted = /limit violations: (\d+) \(must be 0\); accounted for: (\d+) of (\d+)/.exec(stdout);
    expect(accounted, stdout.slice(-3000)).not.toBeNull();
    expect(accounted![1]).toBe('0');
    expect(accounted![2]).toBe(accounted![3]);
    expect(Number(accounted![3])).toBeGreaterThan(200);
    expect(stdout).toMatch(/^(PASS|WARN): /m);
    expect(stderr).toContain('time compressed 10×');
  }, 9 * 60_000);

  it('gives the same account as JSON', async () => {
    const { code, stdout, stderr } = await run('npm run --silent simulate -- --json', clone, 4 * 60_000);
    expect(code, stderr.slice(-3000)).toBe(0);
    const result = JSON.parse(stdout) as SimulationResult;
    expect(result.totals.limitViolations).toBe(0);
    expect(result.outcome.unaccounted).toBe(0);
    expect(result.outcome.succeeded + result.outcome.failed).toBe(result.outcome.requests);
    expect(result.outcome.requests).toBe(result.workload.alerts);
    expect(result.scenario.name).toBe('mixed');
    expect(result.providers).toHaveLength(6);
  }, 5 * 60_000);
});
