/** Server-sent events as the mock writes them (its own writer: nothing shared with the clients' parsers). */

/** A `data:` event. Gemini separates events with CRLF pairs, the others with LF pairs. */
export function sseData(payload: unknown, separator = '\n\n'): string {
  return `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}${separator}`;
}

/** A named event (`event: message_start`). */
export function sseEvent(name: string, payload: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** A comment line, which SSE parsers ignore: DeepSeek's `: keep-alive`. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';
