/**
 * The life of a benchmark worker process forked with an IPC channel (the Redis fleet's and the
 * accuracy fleet's workers): messages to the parent, and an end that always reports. A failure is
 * sent as `{ type: 'failed', message }`; a parent gone before the report leaves nothing to report
 * to, so the process exits at once rather than run on unobserved.
 */

/** Sends `message` to the parent; resolves when it is handed over (or at once without a channel). */
export function sendToParent(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Runs the worker's `main`, reports a failure to the parent, and disconnects when done. */
export function runForkedWorker(main: () => Promise<void>): void {
  let reported = false;
  process.on('disconnect', () => {
    if (!reported) process.exit(4);
  });
  main().then(
    () => {
      reported = true;
      process.disconnect?.();
    },
    async (error: unknown) => {
      await sendToParent({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      reported = true;
      process.exitCode = 1;
      process.disconnect?.();
    },
  );
}
