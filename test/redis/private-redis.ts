/**
 * A Redis server of a test's own, on a free loopback port, that the test may stop and start again
 * (the shared one on 6379 is never touched). Needs the redis-server binary (CI has it: .ci/ensure-redis.sh).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

/** True when redis-server can be run here. */
export const redisServerAvailable = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
if (!redisServerAvailable) {
  if (process.env.CI) throw new Error('redis-server is not installed on CI: the Redis outage tests must run');
  console.warn('redis-server not installed: skipping the Redis outage tests (CI always runs them)');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface PrivateRedis {
  readonly port: number;
  /** Starts the server (again) and waits until it answers PING (at most 5 s). */
  start(): Promise<void>;
  /** Kills the server at once (SIGKILL: no goodbye to its clients) and waits for it to exit. */
  stop(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, commands wait in its socket until {@link thaw}. */
  freeze(): void;
  /** Resumes a frozen server (SIGCONT): it runs what waited, late. */
  thaw(): void;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const answers = () => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.includes('PONG') ?? false;
  return {
    port,
    async start() {
      child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !answers(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!answers()) throw new Error(`private redis-server on ${port} did not start`);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
  };
}
