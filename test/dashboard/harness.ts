/** Serving a handler on loopback, and reading a server-sent event stream frame by frame (bounded in time). */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const servers: Server[] = [];

/** Serves `listener` on an ephemeral 127.0.0.1 port; {@link closeServers} closes them all. */
export async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServers(): Promise<void> {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** One frame of the stream: its event name and data, a comment, or a retry. */
export interface SseFrame {
  event?: string;
  data?: string;
  comment?: string;
  retry?: number;
}

export class SseReader {
  private buffer = '';
  private readonly frames: SseFrame[] = [];
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  /** A read still pending after a timeout: the next call waits for it rather than losing its chunk. */
  private pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  /** Everything received, for secret scans. */
  raw = '';

  constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    this.reader = response.body!.getReader();
  }

  static async open(url: string): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
    return new SseReader(response, controller);
  }

  /** The next frame, or undefined when the stream ends; throws after `timeoutMs`. */
  async next(timeoutMs = 5_000): Promise<SseFrame | undefined> {
    const deadline = performance.now() + timeoutMs;
    while (this.frames.length === 0) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no SSE frame within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left)));
      this.pending ??= this.reader.read();
      const read = await Promise.race([this.pending, timeout]);
      clearTimeout(timer);
      if (read === 'timeout') throw new Error(`no SSE frame within ${timeoutMs} ms`);
      this.pending = undefined;
      if (read.done) return undefined;
      const text = this.decoder.decode(read.value, { stream: true });
      this.raw += text;
      this.buffer += text;
      for (let end = this.buffer.indexOf('\n\n'); end !== -1; end = this.buffer.indexOf('\n\n')) {
        this.frames.push(parseFrame(this.buffer.slice(0, end)));
        this.buffer = this.buffer.slice(end + 2);
      }
    }
    return this.frames.shift();
  }

  /** The next `snapshot` event's data, skipping comments and retry frames. */
  async nextSnapshot<T = unknown>(timeoutMs = 5_000): Promise<T> {
    for (let i = 0; i < 20; i++) {
      const frame = await this.next(timeoutMs);
      if (!frame) throw new Error('stream ended before a snapshot');
      if (frame.event === 'snapshot') return JSON.parse(frame.data!) as T;
    }
    throw new Error('no snapshot in 20 frames');
  }

  /** Hangs up, as a browser tab being closed. */
  close(): void {
    this.controller.abort();
  }
}

function parseFrame(text: string): SseFrame {
  const frame: SseFrame = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    else if (line.startsWith('event: ')) frame.event = line.slice(7);
    else if (line.startsWith('data: ')) frame.data = (frame.data === undefined ? '' : `${frame.data}\n`) + line.slice(6);
    else if (line.startsWith('retry: ')) frame.retry = Number(line.slice(7));
  }
  return frame;
}

/** Polls `condition` every 10 ms until true; throws after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
