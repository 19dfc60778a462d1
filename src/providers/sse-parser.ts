/**
 * Server-sent events, parsed incrementally as the WHATWG spec says: lines end in CRLF, LF or CR
 * (a CR at the end of one chunk and an LF at the start of the next are one line end), `:` starts
 * a comment (keep-alives), `data` lines join with "\n", a blank line dispatches the event. Chunk
 * boundaries may fall anywhere, even inside a multi-byte character.
 */
import { ProviderError } from '../core/errors.js';

export interface SseEvent {
  /** The `event:` field, or 'message'. */
  event: string;
  data: string;
  id: string | undefined;
}

/** A single event larger than this is treated as a broken stream (bounded memory). */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private pendingCarriageReturn = false;
  private eventType = '';
  private data: string[] = [];
  private dataChars = 0;
  private lastId: string | undefined;
  private hasFields = false;

  constructor(private readonly provider = 'unknown') {}

  /** Feeds bytes (or text); returns the events completed by them. */
  push(chunk: Uint8Array | string): SseEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    return this.consume(text);
  }

  /** The stream ended: flushes the decoder. An event without its closing blank line is dropped, as the spec says. */
  end(): SseEvent[] {
    const events = this.consume(this.decoder.decode());
    if (this.buffer.length > 0) this.processLine(this.buffer, events);
    this.buffer = '';
    return events;
  }

  /** True when the stream ended in the middle of an event (fields seen, no blank line). */
  get endedMidEvent(): boolean {
    return this.hasFields || this.buffer.length > 0;
  }

  private consume(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    if (this.pendingCarriageReturn && text.length > 0) {
      if (text.charCodeAt(0) === 10) start = 1;
      this.pendingCarriageReturn = false;
    }
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code !== 10 && code !== 13) continue;
      const line = this.buffer + text.slice(start, i);
      this.buffer = '';
      if (code === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCarriageReturn = true;
        }
      }
      start = i + 1;
      this.processLine(line, events);
    }
    if (start < text.length) {
      this.buffer += text.slice(start);
      if (this.buffer.length > MAX_EVENT_CHARS) throw this.tooLarge();
    }
    return events;
  }

  private processLine(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.hasFields && this.data.length > 0) events.push({ event: this.eventType || 'message', data: this.data.join('\n'), id: this.lastId });
      this.eventType = '';
      this.data = [];
      this.dataChars = 0;
      this.hasFields = false;
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment, e.g. DeepSeek's ": keep-alive"
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    this.hasFields = true;
    if (field === 'data') {
      this.dataChars += value.length;
      if (this.dataChars > MAX_EVENT_CHARS) throw this.tooLarge();
      this.data.push(value);
    } else if (field === 'event') {
      this.eventType = value;
    } else if (field === 'id') {
      if (!value.includes('\0')) this.lastId = value;
    }
    // 'retry' and unknown fields are ignored.
  }

  private tooLarge(): ProviderError {
    return new ProviderError(this.provider, 'stream_error', `Stream from '${this.provider}' sent an event over ${MAX_EVENT_CHARS} characters`);
  }
}
