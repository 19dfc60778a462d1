/**
 * The control endpoint, for tests and simulations (loopback only, like the whole server):
 *
 *     GET    /_mock/ledger[?key=K]   the ledger of every key, or of K
 *     GET    /_mock/faults           the faults set: { global, keys }
 *     POST   /_mock/faults           body { "key"?: K, "faults": {...} }: replaces K's (or the global) faults
 *     DELETE /_mock/faults[?key=K]   clears K's faults, or all of them
 *     POST   /_mock/reset            clears ledgers and faults, refills every bucket
 *     GET    /_mock/keys             the keys and their limits
 *
 * A bad request gets 400 `{ "error": { "message", "field" } }`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DailyReset } from '../core/calendar-day.js';
import type { Dimension } from './dimensions.js';
import { validateFaults } from './fault-config.js';
import { parseJson, readBody, sendJson } from './http-io.js';
import type { AccountingModel, ChargeModel, LimitScope, LimitWindow, MockProvider, QuotaExhaustion } from './options.js';
import type { BucketSpec } from './resolve-config.js';
import type { MockRuntime } from './runtime.js';
import { expectObject, MockConfigError, optionalString } from './validation.js';

const MAX_CONTROL_BODY_BYTES = 1024 * 1024;

/** One limit as `GET /_mock/keys` shows it. */
export interface BucketDescription {
  readonly dimension: Dimension;
  readonly limit: number;
  readonly capacity: number;
  readonly dailyReset?: DailyReset;
  readonly window?: LimitWindow;
}

/** A key as `GET /_mock/keys` and `server.keys` show it. */
export interface KeyDescription {
  readonly provider: MockProvider;
  readonly accounting: AccountingModel;
  /** What TPM and TPD are charged at admission, and whether unused output is given back. */
  readonly charge: ChargeModel;
  readonly refundUnusedOutput: boolean;
  /**
   * Each limited dimension: the provider's limit (per minute or per day) and the bucket's
   * capacity (largest burst); `dailyReset` or `window` when it is counted in fixed windows.
   */
  readonly buckets: readonly BucketDescription[];
  readonly maxConcurrent: number | undefined;
  /** Whether the limits cover the whole key or each model apart. */
  readonly limitScope: LimitScope;
  /** `limitScope: 'model'`: the models with limits of their own (every other model has `buckets`). */
  readonly models?: Readonly<Record<string, { readonly buckets: readonly BucketDescription[]; readonly maxConcurrent: number | undefined }>>;
  readonly overLimit: 'reject' | 'wait';
  readonly quotaExhausted: QuotaExhaustion;
}

function describeBucket({ dimension, limit, capacity, dailyReset, window }: BucketSpec): BucketDescription {
  return { dimension, limit, capacity, ...(dailyReset === 'continuous' ? {} : { dailyReset }), ...(window === undefined ? {} : { window }) };
}

/** The keys and their resolved limits. */
export function describeKeys(runtime: MockRuntime): Record<string, KeyDescription> {
  return Object.fromEntries(
    [...runtime.keys].map(([apiKey, { config }]) => [
      apiKey,
      {
        provider: config.provider,
        accounting: config.accounting,
        charge: config.policy.charge,
        refundUnusedOutput: config.policy.refundUnusedOutput,
        buckets: config.buckets.map(describeBucket),
        maxConcurrent: config.maxConcurrent,
        limitScope: config.limitScope,
        ...(config.modelLimits.size > 0
          ? { models: Object.fromEntries([...config.modelLimits].map(([model, limits]) => [model, { buckets: limits.buckets.map(describeBucket), maxConcurrent: limits.maxConcurrent }])) }
          : {}),
        overLimit: config.overLimit,
        quotaExhausted: config.quotaExhausted,
      },
    ]),
  );
}

async function setFaults(runtime: MockRuntime, req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_CONTROL_BODY_BYTES);
  if (!body.ok) throw new MockConfigError('body', body.reason === 'too-large' ? 'larger than 1 MiB' : 'not received');
  const json = parseJson(body.text);
  if (!json.ok) throw new MockConfigError('body', `not JSON: ${json.message}`);
  const record = expectObject(json.value, 'body', ['key', 'faults']);
  const key = optionalString(record.key, 'key');
  runtime.setFaults(validateFaults(record.faults ?? {}, 'faults'), key);
  return { ok: true, faults: runtime.faults.snapshot() };
}

/** Answers a `/_mock/` request. */
export async function handleControl(runtime: MockRuntime, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const key = url.searchParams.get('key') ?? undefined;
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  try {
    switch (route) {
      case 'GET /_mock/ledger':
        sendJson(res, 200, key === undefined ? runtime.ledger() : runtime.keyLedger(key));
        return;
      case 'GET /_mock/faults':
        sendJson(res, 200, runtime.faults.snapshot());
        return;
      case 'POST /_mock/faults':
        sendJson(res, 200, await setFaults(runtime, req));
        return;
      case 'DELETE /_mock/faults':
        runtime.clearFaults(key);
        sendJson(res, 200, { ok: true, faults: runtime.faults.snapshot() });
        return;
      case 'POST /_mock/reset':
        runtime.reset();
        sendJson(res, 200, { ok: true });
        return;
      case 'GET /_mock/keys':
        sendJson(res, 200, describeKeys(runtime));
        return;
      default:
        sendJson(res, 404, { error: { message: `Unknown control route: ${route}` } });
    }
  } catch (error) {
    if (!(error instanceof MockConfigError)) throw error;
    sendJson(res, 400, { error: { message: error.message, field: error.field } });
  }
}
