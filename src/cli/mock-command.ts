/**
 * `llm-resilience mock [--port N] [--host H] [--config file.json] [--seed N]`: runs the mock
 * provider server until interrupted. With no config it serves the default keys of all six
 * providers (see DEFAULT_MOCK_KEYS); the config file holds MockServerOptions as JSON (keys,
 * faults, includeDefaultKeys, maxBodyBytes, and port/host/seed, which the flags override).
 */
import { readFile } from 'node:fs/promises';
import { MockConfigError, startMockServer, type MockServer, type MockServerOptions } from '../mock/index.js';

const USAGE = `Usage: llm-resilience mock [options]

Runs a mock LLM provider server (OpenAI, Anthropic, Gemini, xAI, DeepSeek, Moonshot) on loopback.

Options:
  --port <n>       Port to listen on (default 0: an ephemeral port, printed at start).
  --host <host>    127.0.0.1 (default), ::1 or localhost; other addresses are refused.
  --config <file>  JSON file with the server options (keys, limits, faults).
  --seed <n>       Seed of every random choice (default 1).
  --help           This text.
`;

/** Where the command writes, and what stops it (the process's SIGINT/SIGTERM by default). */
export interface MockCommandIo {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Stops the server when aborted; if absent, SIGINT or SIGTERM does. */
  readonly signal?: AbortSignal;
  /** Called once the server listens. */
  readonly onListening?: (server: MockServer) => void;
}

type Flags = { port?: number; host?: string; config?: string; seed?: number; help?: boolean };

function parseFlags(args: readonly string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag === '--help' || flag === '-h') {
      flags.help = true;
      continue;
    }
    const [name, inline] = flag.startsWith('--') && flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = inline ?? args[++i];
    if (value === undefined) throw new MockConfigError(name, 'needs a value');
    switch (name) {
      case '--port':
      case '--seed': {
        const number = Number(value);
        if (!Number.isInteger(number)) throw new MockConfigError(name, `must be an integer, got ${JSON.stringify(value)}`);
        flags[name === '--port' ? 'port' : 'seed'] = number;
        break;
      }
      case '--host':
        flags.host = value;
        break;
      case '--config':
        flags.config = value;
        break;
      default:
        throw new MockConfigError(name, 'unknown option (see --help)');
    }
  }
  return flags;
}

async function readConfig(path: string): Promise<MockServerOptions> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new MockConfigError('--config', `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return JSON.parse(text) as MockServerOptions;
  } catch (error) {
    throw new MockConfigError('--config', `${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const SHORT_NAMES: Record<string, string> = { requests: 'RPM', tokens: 'TPM', inputTokens: 'ITPM', outputTokens: 'OTPM', requestsPerDay: 'RPD', tokensPerDay: 'TPD' };

function describe(server: MockServer): string {
  const lines = Object.entries(server.keys).map(([key, info]) => {
    const limits = info.buckets
      .map((b) => `${SHORT_NAMES[b.dimension] ?? b.dimension} ${b.limit}${b.capacity !== b.limit ? ` (burst ${b.capacity})` : ''}${b.dailyReset ? ` (resets ${b.dailyReset})` : ''}`)
      .join(', ');
    const extra = [info.maxConcurrent !== undefined ? `concurrency ${info.maxConcurrent}` : '', info.quotaExhausted ? 'out of quota' : ''].filter(Boolean).join(', ');
    return `  ${key.padEnd(30)} ${info.provider.padEnd(10)} ${[limits, extra].filter(Boolean).join(', ') || 'no limits'}`;
  });
  return [
    `Keys:`,
    ...lines,
    `Base URLs: OpenAI-compatible ${server.url}/v1, Anthropic ${server.url} (SDK baseURL), Gemini ${server.url}/v1beta`,
    `Control: GET /_mock/ledger, GET|POST|DELETE /_mock/faults, POST /_mock/reset, GET /_mock/keys`,
    `Press Ctrl+C to stop.`,
  ].join('\n');
}

function stopSignal(io: MockCommandIo): { signal: AbortSignal; dispose: () => void } {
  if (io.signal) return { signal: io.signal, dispose: () => {} };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** Runs the mock server until stopped; resolves with the exit code (2 for a bad flag or config). */
export async function runMockCommand(args: string[], io: MockCommandIo = {}): Promise<number> {
  const out = io.stdout ?? ((text: string) => process.stdout.write(text));
  const err = io.stderr ?? ((text: string) => process.stderr.write(text));
  let server: MockServer;
  try {
    const flags = parseFlags(args);
    if (flags.help) {
      out(USAGE);
      return 0;
    }
    const config = flags.config ? await readConfig(flags.config) : {};
    server = await startMockServer({
      ...config,
      ...(flags.port !== undefined ? { port: flags.port } : {}),
      ...(flags.host !== undefined ? { host: flags.host } : {}),
      ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    });
  } catch (error) {
    if (error instanceof MockConfigError) {
      err(`llm-resilience mock: ${error.message}\n`);
      return 2;
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code !== 'string') throw error;
    err(`llm-resilience mock: cannot listen: ${(error as Error).message}\n`);
    return 1;
  }
  out(`llm-resilience mock listening on ${server.url}\n${describe(server)}\n`);
  io.onListening?.(server);
  const { signal, dispose } = stopSignal(io);
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  dispose();
  await server.close();
  out('llm-resilience mock stopped.\n');
  return 0;
}
