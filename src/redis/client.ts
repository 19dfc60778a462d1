/**
 * The minimal Redis client the store needs, duck-typed so that ioredis (`new Redis()`, or a
 * `Cluster`) is accepted as is, and other clients through a small adapter.
 *
 * node-redis (v4/v5) adapter:
 * ```ts
 * const client: RedisScriptClient = {
 *   evalsha: (sha, numKeys, ...args) =>
 *     redis.evalSha(sha, { keys: args.slice(0, numKeys).map(String), arguments: args.slice(numKeys).map(String) }),
 *   eval: (source, numKeys, ...args) =>
 *     redis.eval(source, { keys: args.slice(0, numKeys).map(String), arguments: args.slice(numKeys).map(String) }),
 *   script: (_load, source) => redis.scriptLoad(source),
 * };
 * ```
 * Errors must be rejected with the server's message (the store recognises `NOSCRIPT` in it).
 */
export interface RedisScriptClient {
  /** EVALSHA sha numKeys key... arg... */
  evalsha(sha: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  /** EVAL source numKeys key... arg... (after NOSCRIPT: runs on the keys' node and caches the script there). */
  eval(source: string, numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  /** SCRIPT LOAD source: resolves to the script's SHA1 (the same on every node). */
  script(subcommand: 'LOAD', source: string): Promise<unknown>;
}
