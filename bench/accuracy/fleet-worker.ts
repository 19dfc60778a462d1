/**
 * One process of the fleet scenario: `node --import tsx bench/accuracy/fleet-worker.ts <config JSON>`,
 * forked by fleet.ts. Opens our client on a Redis store shared with the other processes, says
 * ready, starts its callers at the common start time, and sends back what they saw.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { redisStore } from '../../src/redis/index.js';
import { runCallers } from '../load/callers.js';
import { runForkedWorker, sendToParent } from '../load/forked-worker.js';
import { newClient } from '../redis/connection.js';
import { epochNow, type FleetWorkerConfig, type FromFleetWorker, type ToFleetWorker } from './fleet-protocol.js';
import { subjectById } from './subjects.js';

/** However the run goes, this process is gone this long after its calls' deadline and drain. */
const EXIT_GRACE_MS = 20_000;

const send = (message: FromFleetWorker): Promise<void> => sendToParent(message);

const startMessage = new Promise<ToFleetWorker>((resolve) => process.once('message', (message: ToFleetWorker) => resolve(message)));

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as FleetWorkerConfig;
  const client = newClient();
  const instance = subjectById(config.subject).open({ url: config.url, apiKey: config.apiKey, told: config.told, workload: config.workload, store: redisStore(client, { prefix: config.prefix }) });
  try {
    await send({ type: 'ready' });
    const { atEpochMs } = await startMessage;
    setTimeout(() => process.exit(3), atEpochMs - epochNow() + config.durationMs + config.drainMs + EXIT_GRACE_MS).unref();
    await sleep(Math.max(0, atEpochMs - epochNow()));
    const load = await runCallers({ callers: config.callers, durationMs: config.durationMs, drainMs: config.drainMs, call: (signal) => instance.call(signal) });
    await send({ type: 'done', load });
  } finally {
    await instance.close();
    client.disconnect();
  }
}

runForkedWorker(main);
