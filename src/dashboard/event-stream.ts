/**
 * The dashboard's server-sent events: every open stream gets a `snapshot` event at once, then one
 * per interval and a `: keep-alive` comment now and then. One timer for all streams, running only
 * while one is open; a snapshot is read and serialized once per tick, whatever the number of viewers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../core/clock.js';

export interface EventStreamOptions {
  clock: Clock;
  intervalMs: number;
  keepAliveMs: number;
}

/** How long a browser waits before reconnecting a dropped stream (EventSource's `retry`). */
const RECONNECT_MS = 1_000;

export class SnapshotEventStream {
  private readonly streams = new Set<ServerResponse>();
  private timer: TimerHandle | undefined;
  private nextSnapshotAt = 0;
  private nextKeepAliveAt = 0;

  /** `read` returns the snapshot as JSON, or undefined when it could not be read (nothing is sent then). */
  constructor(
    private readonly read: () => string | undefined,
    private readonly options: EventStreamOptions,
  ) {}

  /** Streams open now. */
  get size(): number {
    return this.streams.size;
  }

  open(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // nginx buffers proxied responses unless told not to; a buffered stream is not live.
      'x-accel-buffering': 'no',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    this.streams.add(res);
    // 'close' comes for a client that went away and for a response we ended: either way, forget it.
    res.on('close', () => this.drop(res));
    write(res, `retry: ${RECONNECT_MS}\n\n${snapshotFrame(this.read())}`);
    if (this.timer === undefined) {
      const now = this.options.clock.now();
      this.nextSnapshotAt = now + this.options.intervalMs;
      this.nextKeepAliveAt = now + this.options.keepAliveMs;
      this.schedule(now);
    }
  }

  /** Ends every stream and stops the timer. */
  close(): void {
    this.stopTimer();
    for (const res of [...this.streams]) res.end();
    this.streams.clear();
  }

  private drop(res: ServerResponse): void {
    this.streams.delete(res);
    if (this.streams.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private schedule(now: number): void {
    const dueAt = Math.min(this.nextSnapshotAt, this.nextKeepAliveAt);
    this.timer = this.options.clock.setTimer(() => this.tick(), Math.max(0, dueAt - now));
  }

  private tick(): void {
    this.timer = undefined;
    if (this.streams.size === 0) return;
    const now = this.options.clock.now();
    let frame = '';
    if (now >= this.nextKeepAliveAt) {
      frame += ': keep-alive\n\n';
      this.nextKeepAliveAt = now + this.options.keepAliveMs;
    }
    if (now >= this.nextSnapshotAt) {
      frame += snapshotFrame(this.read());
      this.nextSnapshotAt = now + this.options.intervalMs;
    }
    for (const res of this.streams) {
      // A viewer that does not keep up skips snapshots rather than growing our buffer.
      if (frame !== '' && !res.writableNeedDrain) write(res, frame);
    }
    this.schedule(now);
  }
}

function snapshotFrame(json: string | undefined): string {
  // JSON.stringify escapes newlines inside strings, so the data is one line.
  return json === undefined ? '' : `event: snapshot\ndata: ${json}\n\n`;
}

function write(res: ServerResponse, frame: string): void {
  res.write(frame);
  // Express's compression() holds output until flushed; without it, nothing arrives.
  (res as ServerResponse & { flush?: () => void }).flush?.();
}
