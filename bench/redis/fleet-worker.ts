/**
 * A fleet worker process: `node --import tsx bench/redis/fleet-worker.ts <limiter> <namespace> <plan JSON>`,
 * forked by fleet-run.ts. Opens its limiter on the shared namespace, says ready, waits for the
 * common start time, runs its callers until the deadline, and sends back every admission's time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openDriver } from './fleet-drivers.js';
import { FLEET_LIMITERS, type FleetLimiter, type FleetPlan } from './fleet-config.js';
import { type FromWorker, type ToWorker, wallNow } from './fleet-protocol.js';

/** However the run goes, this process is gone this long after its deadline. */
const EXIT_GRACE_MS = 15_000;

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

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

let reported = false;
// The parent gone before we reported (killed, or it gave up on us): nothing left to report to.
process.on('disconnect', () => {
  if (!reported) process.exit(4);
});

main().then(
  () => {
    reported = true;
    process.disconnect?.();
  },
  async (error: unknown) => {
    await send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    reported = true;
    process.exitCode = 1;
    process.disconnect?.();
  },
);
