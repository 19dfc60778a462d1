/**
 * Live progress of a run. On a terminal: a block redrawn in place (overall bar; per provider the
 * admitted rate against its limit, queue, breaker state, fallbacks). In a pipe: one plain line
 * every few seconds. Written to stderr, so stdout carries only the result (table or JSON).
 */
import type { LiveProgress } from './runner.js';
import { formatClock } from './scenarios.js';
import { bar, compact, table } from './text-format.js';

export interface LiveView {
  update(progress: LiveProgress): void;
  /** Leaves the last picture on screen. */
  finish(): void;
}

const STATE_LABEL: Record<string, string> = { closed: 'closed', open: 'OPEN', half_open: 'half-open', isolated: 'isolated' };

function headline(p: LiveProgress): string {
  const c = p.counts;
  return `${formatClock(p.elapsedMs)} / ${formatClock(p.spanMs)}  alerts ${c.dispatched}/${p.alerts}  answered ${c.succeeded}  failed ${c.failed}  in flight ${c.dispatched - c.succeeded - c.failed}`;
}

function providerRows(p: LiveProgress): string[] {
  const rows: string[][] = [['provider', 'requests/min (limit)', '', 'tokens/min (limit)', '', 'queue', 'breaker', 'fallbacks', 'served']];
  for (const [id, s] of Object.entries(p.providers)) {
    const limit = p.limits[id as keyof typeof p.limits];
    const rpm = limit?.rpm ?? null;
    const tpm = limit?.tpm ?? null;
    rows.push([
      id,
      rpm ? bar(s!.requestsLastMinute / rpm, 10) : '',
      `${s!.requestsLastMinute}/${rpm === null ? '-' : compact(rpm)}`,
      tpm ? bar(s!.tokensLastMinute / tpm, 10) : '',
      `${compact(s!.tokensLastMinute)}/${tpm === null ? '-' : compact(tpm)}`,
      String(s!.queued),
      STATE_LABEL[s!.state] ?? s!.state,
      String(p.fallbacksFrom[id] ?? 0),
      String(s!.served),
    ]);
  }
  return table(rows);
}

/** Redraws a block in place on a terminal. */
export function terminalView(write: (text: string) => void): LiveView {
  let drawn = 0;
  let last: LiveProgress | undefined;
  const draw = (p: LiveProgress) => {
    const lines = [
      `[${bar(p.elapsedMs / p.spanMs, 30)}] ${Math.floor((p.elapsedMs / p.spanMs) * 100)} %  ${headline(p)}`,
      ...providerRows(p),
      `incidents now: ${p.activeIncidents.length > 0 ? p.activeIncidents.join(', ') : 'none'}`,
    ];
    // Up to the top of the previous block, then each line cleared and rewritten.
    write(`${drawn > 0 ? `\x1b[${drawn}F` : ''}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
    drawn = lines.length;
  };
  return {
    update(p) {
      last = p;
      draw(p);
    },
    finish() {
      if (last) draw(last);
    },
  };
}

/** A plain line every `everyMs` of real time (and at the end). */
export function plainView(write: (text: string) => void, everyMs: number, now: () => number): LiveView {
  let lastAt = -Infinity;
  let last: LiveProgress | undefined;
  const line = (p: LiveProgress) => {
    const providers = Object.entries(p.providers)
      .filter(([id, s]) => s!.served > 0 || s!.state !== 'closed' || (p.fallbacksFrom[id] ?? 0) > 0 || s!.queued > 0)
      .map(([id, s]) => `${id} ${s!.requestsLastMinute} rpm${s!.queued ? ` q${s!.queued}` : ''} ${STATE_LABEL[s!.state] ?? s!.state}${p.fallbacksFrom[id] ? ` fb${p.fallbacksFrom[id]}` : ''}`);
    const incidents = p.activeIncidents.length > 0 ? ` | now: ${p.activeIncidents.join(', ')}` : '';
    write(`${headline(p)} | ${providers.join(', ') || 'no calls yet'}${incidents}\n`);
  };
  return {
    update(p) {
      last = p;
      if (now() - lastAt < everyMs) return;
      lastAt = now();
      line(p);
    },
    finish() {
      if (last) line(last);
    },
  };
}
