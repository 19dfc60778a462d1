/**
 * `startMockServer`: a real HTTP server on loopback that speaks the OpenAI, Anthropic and Gemini
 * APIs with each provider's limits, headers, errors and faults.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeKeys, type KeyDescription } from './control-handler.js';
import { validateFaults } from './fault-config.js';
import { sendJson } from './http-io.js';
import type { KeyLedgerReport } from './ledger.js';
import type { MockFaults, MockServerOptions } from './options.js';
import { resolveConfig } from './resolve-config.js';
import { route } from './router.js';
import { MockRuntime, type MockLedgerReport } from './runtime.js';

/** A running mock server. */
export interface MockServer {
  /** `http://127.0.0.1:<port>`: the base URL (add `/v1` for the OpenAI and Anthropic SDKs). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The keys served, with their providers and limits. */
  readonly keys: Readonly<Record<string, KeyDescription>>;
  /** Stops listening, ends every request and connection (keep-alive ones too) and clears every timer. */
  close(): Promise<void>;
  /** Replaces the global faults, or one key's. Validated: a bad field throws a MockConfigError. */
  setFaults(faults: MockFaults, options?: { key?: string }): void;
  /** Clears one key's faults, or all of them. */
  clearFaults(key?: string): void;
  /** The ledger of every key. */
  ledger(): MockLedgerReport;
  /** The ledger of one key. */
  ledger(key: string): KeyLedgerReport;
  /** Clears ledgers and faults and refills every bucket (as `POST /_mock/reset`). */
  reset(): void;
}

/**
 * Starts a mock provider server. With no options it serves the default keys of all six
 * providers on an ephemeral port of 127.0.0.1.
 *
 * ```ts
 * const mock = await startMockServer({ keys: { 'sk-test': { provider: 'openai', limits: { requestsPerMinute: 60 } } } });
 * const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
 * ```
 */
export async function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  const config = resolveConfig(options);
  const runtime = new MockRuntime(config);
  const server = createServer((req, res) => {
    // A request racing close() on a kept-alive connection gets no answer.
    if (runtime.closed) {
      res.destroy();
      return;
    }
    route(runtime, req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: { message: `mock server error: ${error instanceof Error ? error.message : String(error)}`, type: 'server_error', param: null, code: null } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${hostInUrl}:${port}`,
    port,
    host: config.host,
    keys: describeKeys(runtime),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        runtime.shutdown();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
    setFaults(faults, setOptions) {
      runtime.setFaults(validateFaults(faults, 'faults'), setOptions?.key);
    },
    clearFaults(key) {
      runtime.clearFaults(key);
    },
    ledger: ((key?: string) => (key === undefined ? runtime.ledger() : runtime.keyLedger(key))) as MockServer['ledger'],
    reset() {
      runtime.reset();
    },
  };
}
