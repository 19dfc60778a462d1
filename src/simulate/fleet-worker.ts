/**
 * One worker process of `simulate --redis`: its share of the alerts (every n-th) through its own
 * UnifiedLLMClient, whose limits and breakers live in Redis with the other workers'. Started by
 * fleet.ts with an IPC channel; reports progress and its record, then exits.
 */
import { UnifiedLLMClient } from '../client/unified-client.js';
import { systemClock } from '../core/clock.js';
import { redactSecrets } from '../core/redact.js';
import { connectIoredis } from '../redis/redis-from-config.js';
import { redisStore } from '../redis/redis-store.js';
import { AlertDriver } from './alert-driver.js';
import { simulationClientOptions, warmUp } from './client-setup.js';
import type { FromWorker, ToWorker, WorkerInit } from './fleet-protocol.js';
import { alertsOf, repeatEvery } from './observe-run.js';

const send = (message: FromWorker) => process.send?.(message);

async function work(init: WorkerInit, started: Promise<void>, abort: AbortSignal): Promise<void> {
  const { settings } = init;
  const clock = systemClock;
  const redis = await connectIoredis(init.redisUrl, '--redis');
  let client: UnifiedLLMClient | undefined;
  try {
    const store = redisStore(redis, { prefix: init.prefix });
    client = new UnifiedLLMClient(simulationClientOptions({ providers: settings.providers, speed: 1, mockUrl: init.mockUrl, clock, store, sharedBreakers: true, ...(settings.client ? { configured: settings.client } : {}) }));
    await warmUp(init.mockUrl, clock);
    const alerts = alertsOf(settings, settings.durationMs).filter((_, index) => index % init.workers === init.worker);
    const driver = new AlertDriver({ client, clock, realClock: clock, speed: 1, alerts, spanMs: settings.durationMs, providers: settings.providers, signal: abort });
    send({ type: 'ready' });
    await started;
    driver.start();
    const stop = repeatEvery(clock, 500, () => send({ type: 'progress', progress: driver.live() }));
    try {
      send({ type: 'done', record: await driver.finish() });
    } finally {
      stop();
    }
  } finally {
    client?.close();
    redis.disconnect();
  }
}

let init: WorkerInit | undefined;
let start: () => void = () => {};
const started = new Promise<void>((resolve) => (start = resolve));
const abort = new AbortController();
process.on('message', (message: ToWorker) => {
  if (message.type === 'init' && init === undefined) {
    init = message;
    work(init, started, abort.signal).then(
      () => process.disconnect?.(),
      (error: unknown) => {
        send({ type: 'failed', message: redactSecrets(error instanceof Error ? error.message : String(error)) });
        process.disconnect?.();
      },
    );
  } else if (message.type === 'start') start();
  else if (message.type === 'abort') abort.abort(new Error('interrupted'));
});
