import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/core/errors.js';
import { type SseEvent, SseParser } from '../../src/providers/sse-parser.js';

const encoder = new TextEncoder();

function parseAll(chunks: (string | Uint8Array)[]): SseEvent[] {
  const parser = new SseParser('test');
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}

/** Splits bytes at the given cut points (any byte offset, even inside a multi-byte character). */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const point of sorted) {
    parts.push(bytes.slice(start, point));
    start = point;
  }
  parts.push(bytes.slice(start));
  return parts;
}

describe('SseParser', () => {
  it('parses events, joins data lines, skips comments, keeps event types and ids', () => {
    const text = ': keep-alive\n\nevent: message_start\nid: 7\ndata: {"a":1}\n\ndata: line one\ndata: line two\n\n: ping\ndata:no-space\n\n';
    expect(parseAll([text])).toEqual([
      { event: 'message_start', data: '{"a":1}', id: '7' },
      { event: 'message', data: 'line one\nline two', id: '7' },
      { event: 'message', data: 'no-space', id: '7' },
    ]);
  });

  it('accepts CRLF, LF and CR line ends, even a CR and LF split across chunks', () => {
    expect(parseAll(['data: a\r', '\n\r', '\ndata: b\r\rdata: c\n\n'])).toEqual([
      { event: 'message', data: 'a', id: undefined },
      { event: 'message', data: 'b', id: undefined },
      { event: 'message', data: 'c', id: undefined },
    ]);
  });

  it('a stream of only keep-alive comments yields nothing', () => {
    expect(parseAll([': keep-alive\n\n', ': keep-alive\n\n', '\n\n'])).toEqual([]);
  });

  it('drops an event without its closing blank line and says the stream ended mid-event', () => {
    const parser = new SseParser('test');
    expect(parser.push('data: complete\n\ndata: {"partial":')).toHaveLength(1);
    expect(parser.end()).toEqual([]);
    expect(parser.endedMidEvent).toBe(true);
  });

  it('an endless line is a classified stream error, not unbounded memory', () => {
    const parser = new SseParser('deepseek');
    const huge = 'x'.repeat(1024 * 1024);
    let error: unknown;
    try {
      for (let i = 0; i < 10; i++) parser.push(`data: ${huge}`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'stream_error' });
  });

  it('any chunking of the bytes gives the same events (fast-check, multi-byte text included)', () => {
    const eventArbitrary = fc.record({
      event: fc.option(fc.constantFrom('message_start', 'content_block_delta', 'ping'), { nil: undefined }),
      lines: fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !/[\r\n]/.test(s)), { minLength: 1, maxLength: 3 }),
      comment: fc.boolean(),
      lineEnd: fc.constantFrom('\n', '\r\n', '\r'),
    });
    fc.assert(
      fc.property(fc.array(eventArbitrary, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (events, points) => {
        const text = events
          .map((e) => {
            const end = e.lineEnd;
            return `${e.comment ? `: keep-alive${end}` : ''}${e.event ? `event: ${e.event}${end}` : ''}${e.lines.map((l) => `data: ${l}`).join(end)}${end}${end}`;
          })
          .join('');
        const whole = parseAll([text]);
        const chunked = parseAll(cut(encoder.encode(text), points));
        expect(chunked).toEqual(whole);
        expect(whole).toEqual(events.map((e) => ({ event: e.event ?? 'message', data: e.lines.join('\n'), id: undefined })));
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes never throw anything but a classified error (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 16 }), (chunks) => {
        try {
          parseAll(chunks);
        } catch (error) {
          expect(error).toBeInstanceOf(ProviderError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
