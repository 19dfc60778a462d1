/**
 * One streaming chat call, guarded: a first-chunk timeout from the start of the request to the
 * first content, and an inter-chunk timeout that only content resets (DeepSeek's `: keep-alive`
 * lines and Anthropic's pings must not keep a dead stream alive). A stream that ends without its
 * terminator is an error, never a clean end.
 */
import type { Clock } from '../core/clock.js';
import { ProviderError } from '../core/errors.js';
import type { CallSettings, StreamState } from './adapters/adapter.js';
import type { ProviderSpec } from './provider-specs.js';
import { SseParser } from './sse-parser.js';
import { connectionError, send, type TransportContext } from './transport.js';
import type { StreamEvent } from './types.js';

export interface StreamTimeouts {
  /** From the request to the first content. Default 60 000. */
  firstChunkTimeoutMs?: number;
  /** Between two content chunks. Default 30 000. */
  idleTimeoutMs?: number;
}

export const STREAM_DEFAULTS = { firstChunkTimeoutMs: 60_000, idleTimeoutMs: 30_000 } as const;

class Watchdog {
  private timer: unknown;
  fired: ProviderError | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly controller: AbortController,
    private readonly provider: string,
  ) {}

  arm(ms: number, what: string): void {
    this.disarm();
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.fired = new ProviderError(this.provider, 'timeout', `${this.provider}: no content for ${ms} ms ${what}`);
      this.controller.abort(this.fired);
    }, ms);
  }

  disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}

export async function* streamChat(
  spec: ProviderSpec,
  settings: CallSettings,
  context: TransportContext,
  signal: AbortSignal | undefined,
  timeouts: StreamTimeouts = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  const firstChunkTimeoutMs = timeouts.firstChunkTimeoutMs ?? STREAM_DEFAULTS.firstChunkTimeoutMs;
  const idleTimeoutMs = timeouts.idleTimeoutMs ?? STREAM_DEFAULTS.idleTimeoutMs;
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(signal!.reason);
  if (signal?.aborted) onCallerAbort();
  else signal?.addEventListener('abort', onCallerAbort, { once: true });
  const watchdog = new Watchdog(context.clock, controller, spec.id);
  const ourAbort = () => watchdog.fired;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let completed = false;
  try {
    watchdog.arm(firstChunkTimeoutMs, 'before the first chunk');
    const response = await send(spec.wire.buildCall({ ...settings, stream: true }), context, controller.signal, ourAbort);
    if (!response.body) throw new ProviderError(spec.id, 'stream_error', `${spec.id} answered a stream request without a body`);
    reader = response.body.getReader();
    const parser = new SseParser(spec.id);
    const state: StreamState = { finished: false };
    let sawContent = false;
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw connectionError(spec.id, error, controller.signal, ourAbort);
      }
      const events = chunk.done ? parser.end() : parser.push(chunk.value);
      for (const event of events) {
        for (const streamEvent of spec.wire.parseStreamEvent(event, state)) {
          if (streamEvent.type === 'content') {
            // The consumer's own pace is not the provider's idleness: the clock stops while it holds the chunk.
            watchdog.disarm();
            sawContent = true;
            yield streamEvent;
            watchdog.arm(idleTimeoutMs, 'between chunks');
          } else {
            yield streamEvent;
          }
        }
      }
      if (chunk.done) break;
    }
    if (!state.finished) {
      throw new ProviderError(spec.id, 'stream_error', `${spec.id}'s stream ended without its terminator${sawContent ? ' (cut mid-answer)' : ''}`);
    }
    completed = true;
  } finally {
    watchdog.disarm();
    signal?.removeEventListener('abort', onCallerAbort);
    if (!completed) {
      controller.abort(watchdog.fired);
      reader?.cancel().catch(() => undefined);
    }
  }
}
