/**
 * One response being written: headers once, then text with backpressure, keep-alives while
 * waiting, and an end (clean, or a destroyed connection). Every wait ends when the client leaves
 * or the server closes.
 */
import type { ServerResponse } from 'node:http';
import type { TimerRegistry } from './timers.js';

/** A response in progress. */
export class Reply {
  constructor(
    readonly res: ServerResponse,
    /** Aborts when the client leaves or the server closes. */
    readonly signal: AbortSignal,
    private readonly timers: TimerRegistry,
  ) {}

  /** Whether the status line and headers are out. */
  get committed(): boolean {
    return this.res.headersSent;
  }

  /** Sends the status and headers now (for a stream, or to start keep-alives). */
  commit(status: number, contentType: string, headers: Record<string, string>): void {
    if (this.committed || this.res.destroyed) return;
    const streaming = contentType.startsWith('text/event-stream');
    this.res.writeHead(status, { ...headers, 'content-type': contentType, ...(streaming ? { 'cache-control': 'no-cache' } : {}) });
    this.res.flushHeaders();
  }

  /** Writes text; waits for the socket to drain when its buffer is full. False once the client is gone. */
  async write(text: string): Promise<boolean> {
    if (this.signal.aborted || this.res.destroyed) return false;
    if (text === '' || this.res.write(text)) return true;
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        this.res.off('drain', onDrain);
        this.signal.removeEventListener('abort', onAbort);
        resolve(drained);
      };
      const onDrain = () => done(true);
      const onAbort = () => done(false);
      this.res.once('drain', onDrain);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A whole JSON response; if the headers are already out (a held response), only the body. */
  json(status: number, body: unknown, headers: Record<string, string>): void {
    if (this.res.destroyed) return;
    const text = JSON.stringify(body);
    if (!this.committed) this.res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    this.res.end(text);
  }

  /** Ends the response cleanly. */
  end(): void {
    if (!this.res.destroyed) this.res.end();
  }

  /** Drops the connection without a response (or without the rest of one). */
  destroy(): void {
    this.res.destroy();
  }

  /** Waits `delayMs`; true if the time passed, false if the client left. */
  delay(delayMs: number): Promise<boolean> {
    return this.timers.delay(delayMs, this.signal);
  }

  /** Waits `delayMs`, writing `text` every `intervalMs` meanwhile. */
  async delayWithKeepAlive(delayMs: number, text: string, intervalMs: number): Promise<boolean> {
    let remaining = delayMs;
    while (remaining > intervalMs) {
      if (!(await this.delay(intervalMs)) || !(await this.write(text))) return false;
      remaining -= intervalMs;
    }
    return this.delay(remaining);
  }

  /** Writes `text` every `intervalMs` until the client leaves (or `until` aborts). */
  async keepAliveUntil(text: string, intervalMs: number, until?: AbortSignal): Promise<void> {
    const signal = until ? AbortSignal.any([this.signal, until]) : this.signal;
    while (await this.timers.delay(intervalMs, signal)) {
      if (!(await this.write(text))) return;
    }
  }
}
