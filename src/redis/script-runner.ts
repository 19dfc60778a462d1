/**
 * Runs one Lua script with EVALSHA. The SHA1 comes from one SCRIPT LOAD on first use (it is the
 * same on every node). When Redis answers NOSCRIPT (a restart, a failover, SCRIPT FLUSH, or a
 * Cluster node that never saw the script: SCRIPT LOAD went to another node) the call is retried
 * once with EVAL, which runs on the keys' node and caches the script there, so the next EVALSHA
 * succeeds. Every call has a deadline: nothing waits on Redis forever (bottleneck#194). Failures
 * reject with {@link StoreError}.
 */
import { messageOf } from '../core/errors.js';
import type { RedisScriptClient } from './client.js';
import { StoreError } from './store-error.js';

/** Default deadline of one store call, reload included. */
export const DEFAULT_STORE_TIMEOUT_MS = 250;

export interface ScriptRunnerOptions {
  /** Deadline of one call (SCRIPT LOAD, EVALSHA and the EVAL after NOSCRIPT together). Default 250 ms. */
  readonly timeoutMs?: number;
}

export class ScriptRunner {
  private sha: string | null = null;
  private loading: Promise<string> | null = null;
  readonly timeoutMs: number;

  constructor(
    private readonly client: RedisScriptClient,
    private readonly source: string,
    options: ScriptRunnerOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  }

  /** Runs the script on `keys` and `args`; `operation` names the call in errors. */
  run(operation: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StoreError(operation, 'timeout', `no answer from Redis within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      this.execute(keys, args).then(
        (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof StoreError ? error : new StoreError(operation, 'error', messageOf(error), { cause: error }));
        },
      );
    });
  }

  private async execute(keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const sha = this.sha ?? (await this.load());
    try {
      return await this.client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!messageOf(error).includes('NOSCRIPT')) throw error;
      return await this.client.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /** Loads the script once for concurrent callers; resolves to its SHA1. */
  private load(): Promise<string> {
    this.loading ??= this.client.script('LOAD', this.source).then(
      (sha) => {
        this.loading = null;
        if (typeof sha !== 'string') throw new Error(`SCRIPT LOAD answered ${typeof sha}, not a SHA1`);
        this.sha = sha;
        return sha;
      },
      (error: unknown) => {
        this.loading = null;
        throw error;
      },
    );
    return this.loading;
  }
}
