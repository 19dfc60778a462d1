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

/** A call not answered yet: rejected with a timeout at its deadline unless answered first. */
interface PendingCall {
  readonly deadline: number;
  readonly operation: string;
  readonly reject: (error: unknown) => void;
  done: boolean;
}

export class ScriptRunner {
  private sha: string | null = null;
  private loading: Promise<string> | null = null;
  readonly timeoutMs: number;
  /**
   * Calls in the order they were made, which is their deadlines' order (one timeout for all),
   * answered ones included until the timer passes them: one timer for every call, armed for the
   * earliest deadline and moved only when it fires, instead of a setTimeout and a clearTimeout per
   * call (measurable next to a round trip of tens of microseconds).
   */
  private readonly calls: PendingCall[] = [];
  private first = 0;
  private unanswered = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

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
      const call: PendingCall = { deadline: performance.now() + this.timeoutMs, operation, reject, done: false };
      this.watch(call);
      this.execute(keys, args).then(
        (reply) => {
          if (this.answered(call)) resolve(reply);
        },
        (error: unknown) => {
          if (this.answered(call)) reject(error instanceof StoreError ? error : new StoreError(operation, 'error', messageOf(error), { cause: error }));
        },
      );
    });
  }

  private watch(call: PendingCall): void {
    this.calls.push(call);
    this.unanswered++;
    if (this.timer === undefined) this.arm(call.deadline);
    // A timer kept armed while nothing waits must not keep the process alive (a per-call timer was cleared).
    else if (this.unanswered === 1) this.timer.ref();
  }

  /** False when the call has already timed out. */
  private answered(call: PendingCall): boolean {
    if (call.done) return false;
    call.done = true;
    if (--this.unanswered === 0) this.timer?.unref();
    return true;
  }

  private arm(deadline: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(1, deadline - performance.now()));
    if (this.unanswered === 0) this.timer.unref();
  }

  /** Rejects every call past its deadline, forgets the answered ones, and re-arms for the next deadline. */
  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    let i = this.first;
    for (; i < this.calls.length; i++) {
      const call = this.calls[i]!;
      if (call.done) continue;
      if (call.deadline > now) break;
      call.done = true;
      this.unanswered--;
      call.reject(new StoreError(call.operation, 'timeout', `no answer from Redis within ${this.timeoutMs} ms`));
    }
    if (i === this.calls.length) {
      this.calls.length = 0;
      this.first = 0;
      return;
    }
    this.first = i;
    if (this.first > 1024) {
      this.calls.splice(0, this.first);
      this.first = 0;
    }
    this.arm(this.calls[this.first]!.deadline);
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
