/** Runs a TypeScript fixture in a child Node process (through tsx) and returns what it printed. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface FixtureResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

export function runFixture(relativePath: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<FixtureResult> {
  const file = fileURLToPath(new URL(relativePath, import.meta.url));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...(options.args ?? [])], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Bounded: a child that does not exit by itself is killed and reported as such.
    const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, elapsedMs: performance.now() - started });
    });
  });
}
