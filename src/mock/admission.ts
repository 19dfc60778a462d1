/**
 * Admission of one request: at once, or refused, or (in `wait` mode, DeepSeek's) held open with
 * keep-alives until it fits, in arrival order, for at most `maxWaitMs`. A refusal takes nothing
 * from the buckets.
 */
import type { Charge } from './accounting.js';
import type { Admission, Refusal } from './key-limiter.js';
import type { KeyState } from './key-state.js';
import type { LimitScope } from './limit-scope.js';
import type { Reply } from './reply.js';

/** Admitted, refused (answer 429), or gone (the connection was closed or dropped). */
export type AdmissionOutcome = Admission | Refusal | { readonly ok: false; readonly reason: 'gone' };

/** The refusal of a request that would fit but finds the wait queue full. */
const queueFull = (key: KeyState, scope: LimitScope): Refusal => ({ ok: false, reason: 'concurrency', tooLarge: false, retryAfterMs: 1000, limit: key.config.maxQueued, used: scope.queue.length, requested: 1 });

/** Admits `charge` in `scope` of `key`, holding the request if the key waits rather than refuses. */
export async function admit(key: KeyState, scope: LimitScope, charge: Charge, reply: Reply, hold: { contentType: string; keepAlive: string; headers: Record<string, string> }): Promise<AdmissionOutcome> {
  const config = key.config;
  const { limiter, queue } = scope;
  const waits = config.overLimit === 'wait';
  // In wait mode a newcomer never overtakes the queue.
  if (!waits || queue.length === 0) {
    const result = key.tryAdmit(scope, charge);
    if (result.ok || !waits || result.tooLarge) return result;
  } else {
    // A request that can never fit must not hold up the queue.
    const refusal = limiter.check(charge, key.now());
    if (refusal?.tooLarge) return refusal;
  }
  if (queue.length >= config.maxQueued) return limiter.check(charge, key.now()) ?? queueFull(key, scope);
  key.ledger.queued(1);
  reply.commit(200, hold.contentType, hold.headers);
  const stopKeepAlive = new AbortController();
  void reply.keepAliveUntil(hold.keepAlive, config.keepAliveIntervalMs, stopKeepAlive.signal);
  const outcome = await queue.enqueue(charge, config.maxWaitMs, reply.signal);
  stopKeepAlive.abort();
  key.ledger.queued(-1);
  if (outcome.ok) return outcome;
  if (outcome.reason === 'timeout') {
    // DeepSeek closes a connection whose inference has not started in time.
    key.refused(scope, limiter.check(charge, key.now())?.reason ?? 'concurrency', false);
    reply.destroy();
  } else {
    key.ledger.abandoned();
  }
  return { ok: false, reason: 'gone' };
}
