/**
 * A fleet worker process: `node --import tsx bench/redis/fleet-worker.ts <limiter> <namespace> <plan JSON>`,
 * forked by fleet-run.ts. Opens its limiter on the shared namespace, says ready, waits for the
 * common start time, runs its callers until the deadline, and sends back every admission's time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runForkedWorker, sendToParent } from '../load/forked-worker.js';
import { openDriver } from './fleet-drivers.js';
import { FLEET_LIMITERS, type FleetLimiter, type FleetPlan } from './fleet-config.js';
import { type FromWorker, type ToWorker, wallNow } from './fleet-protocol.js';

/** However the run goes, this process is gone this long after its deadline. */
const EXIT_GRACE_MS = 15_000;

const send = (message: FromWorker): Promise<void> => sendToParent(message);

function nextStart(): Promise<Extract<ToWorker, { type: 'start' }>> {
  return new Promise((resolve) => {
    const onMessage = (message: ToWorker): void => {
      if (message.type !== 'start') return;
      process.off('message', onMessage);
      resolve(message);
    };
    process.on('message', onMessage);
  });
}

async function main(): Promise<void> {
  const [limiter, namespace, planJson] = process.argv.slice(2);
  if (!FLEET_LIMITERS.includes(limiter as FleetLimiter) || !namespace || !planJson) throw new Error(`usage: fleet-worker.ts <${FLEET_LIMITERS.join('|')}> <namespace> <plan JSON>`);
  const plan = JSON.parse(planJson) as FleetPlan;
  const driver = await openDriver(limiter as FleetLimiter, namespace, plan);
  const started = nextStart();
  await send({ type: 'ready' });
  const { atEpochMs, durationMs } = await started;
  const deadline = atEpochMs + durationMs;
  setTimeout(() => process.exit(3), deadline - wallNow() + EXIT_GRACE_MS).unref();
  await sleep(Math.max(0, atEpochMs - wallNow()));

  const admissions: number[] = [];
  const windowEnds: number[] = [];
  const record = (at: number, windowEnd?: number): void => {
    admissions.push(at);
    if (windowEnd !== undefined) windowEnds.push(windowEnd);
  };
  const callers = Array.from({ length: plan.callersPerWorker }, () => driver.caller(deadline, record));
  // Callers waiting at the deadline are released by stop(), not left to wait out their turn.
  const stopAtDeadline = setTimeout(() => void driver.stop(), Math.max(0, deadline - wallNow()));
  await Promise.all(callers);
  clearTimeout(stopAtDeadline);
  await driver.stop();
  await driver.close();
  await send({ type: 'done', admissions, windowEnds, failures: driver.failures, firstFailure: driver.firstFailure });
}

// A failure is reported to the parent; a parent gone before the report (killed, or it gave up on us) ends this process.
runForkedWorker(main);
