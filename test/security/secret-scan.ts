/**
 * Helpers of the secret-leak tests: real-looking keys of every provider, a capture of everything a
 * user can see (log lines, events, errors with their causes, stats, health, CLI output), and a
 * search of it for each secret, each 12-character piece of one, and `Bearer <secret>`.
 */
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { expect } from 'vitest';
import type { ResilienceEvent } from '../../src/core/events.js';
import { formatEvent, jsonLogLine, type Logger } from '../../src/core/logger.js';
import type { ProviderId } from '../../src/providers/types.js';

/** A truncated secret of this many characters still counts as a leak. */
export const PIECE_LENGTH = 12;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const URL_SAFE = `${ALNUM}_-`;
const HEX = '0123456789abcdef';

/** mulberry32: the same keys on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Keys are generated at run time: real-looking to every shape check, but no key-shaped literal in
 * the source for secret scanners (and push protection) to flag.
 */
function fakeKey(prefix: string, length: number, alphabet: string, seed: number, suffix = ''): string {
  const next = random(seed);
  let body = '';
  for (let i = 0; i < length; i++) body += alphabet[Math.floor(next() * alphabet.length)];
  return `${prefix}${body}${suffix}`;
}

/** The shape of each provider's keys: OpenAI project keys, Anthropic api03, Google AIza (39), xAI, DeepSeek (hex), Moonshot. */
const SHAPES: Record<ProviderId, (seed: number) => string> = {
  openai: (seed) => fakeKey('sk-proj-', 124, URL_SAFE, seed),
  anthropic: (seed) => fakeKey('sk-ant-api03-', 93, URL_SAFE, seed, 'AA'),
  google: (seed) => fakeKey('AIza', 35, URL_SAFE, seed),
  xai: (seed) => fakeKey('xai-', 80, ALNUM, seed),
  deepseek: (seed) => fakeKey('sk-', 32, HEX, seed),
  moonshot: (seed) => fakeKey('sk-', 48, ALNUM, seed),
};

export const PROVIDERS: readonly ProviderId[] = ['openai', 'anthropic', 'google', 'xai', 'deepseek', 'moonshot'];

/** What each key of a provider is for on the mock server (`wrong` is not on it). */
export const ROLES = ['good', 'wrong', 'quota', 'faulty', 'tight'] as const;
export type Role = (typeof ROLES)[number];

export const KEYS: Record<ProviderId, Record<Role, string>> = Object.fromEntries(
  PROVIDERS.map((provider, p) => [provider, Object.fromEntries(ROLES.map((role, r) => [role, SHAPES[provider](1000 + p * 100 + r)]))]),
) as Record<ProviderId, Record<Role, string>>;

/** A Redis password, as an operator would put in OMEGA_REDIS_URL. */
export const REDIS_PASSWORD = fakeKey('', 32, ALNUM, 77);

export const ALL_SECRETS: readonly string[] = [...PROVIDERS.flatMap((p) => ROLES.map((r) => KEYS[p][r])), REDIS_PASSWORD];

/** Every piece of every secret, to scan a text in one pass. */
function piecesOf(secrets: readonly string[]): Map<string, string> {
  const pieces = new Map<string, string>();
  for (const secret of secrets) for (let i = 0; i + PIECE_LENGTH <= secret.length; i++) pieces.set(secret.slice(i, i + PIECE_LENGTH), secret);
  return pieces;
}

const PIECES = piecesOf(ALL_SECRETS);

/** One finding: where, what matched, and the text around it. */
export interface Leak {
  source: string;
  match: string;
  context: string;
}

/** Every secret, truncated secret (any 12 characters of one) or `Bearer <secret>` in `text`. */
export function findLeaks(source: string, text: string, secrets: readonly string[] = ALL_SECRETS): Leak[] {
  const pieces = secrets === ALL_SECRETS ? PIECES : piecesOf(secrets);
  const leaks: Leak[] = [];
  const context = (at: number, length: number) => JSON.stringify(text.slice(Math.max(0, at - 40), at + length + 40));
  for (const secret of secrets) {
    for (const needle of [`Bearer ${secret}`, secret]) {
      const at = text.indexOf(needle);
      if (at >= 0) leaks.push({ source, match: needle === secret ? 'whole secret' : 'Bearer <secret>', context: context(at, needle.length) });
    }
  }
  // Any substring of length >= 12 of a secret contains one of length exactly 12.
  for (let i = 0; i + PIECE_LENGTH <= text.length && leaks.length < 20; i++) {
    const piece = text.slice(i, i + PIECE_LENGTH);
    if (pieces.has(piece)) {
      leaks.push({ source, match: `12 characters of a secret: ${piece}`, context: context(i, PIECE_LENGTH) });
      i += PIECE_LENGTH - 1;
    }
  }
  return leaks;
}

/** A port on 127.0.0.1 with nothing listening (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const safely = (render: () => string | undefined): string => {
  try {
    return render() ?? '';
  } catch (error) {
    return `(render threw: ${String(error)})`;
  }
};

/** Everything a user can see of one scenario, searched for secrets at the end. */
export class Capture {
  readonly texts: { source: string; text: string }[] = [];
  readonly events: ResilienceEvent[] = [];
  readonly errors: unknown[] = [];

  add(source: string, text: string): void {
    this.texts.push({ source, text });
  }

  /** A logger that keeps every line and every extra argument, rendered as console would. */
  logger(name = 'logger'): Logger {
    const line =
      (level: string) =>
      (message: string, ...rest: unknown[]) =>
        this.add(`${name}.${level}`, [message, ...rest.map((r) => inspect(r, { depth: 8 }))].join(' '));
    return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  }

  /** The same logger asking for JSON lines. */
  jsonLogger(): Logger {
    return { ...this.logger('jsonLogger'), logFormat: 'json' };
  }

  /** Subscribes to every event: kept as the event, its text line and its JSON line. */
  watch(resilience: { events: { on(listener: (event: ResilienceEvent) => void): unknown } }): void {
    resilience.events.on((event) => {
      this.events.push(event);
      this.add(`event ${event.type}`, safely(() => JSON.stringify(event)));
      this.add(`event ${event.type} (inspect)`, inspect(event, { depth: 8 }));
      this.add(`event ${event.type} (text)`, formatEvent(event).message);
      this.add(`event ${event.type} (json)`, jsonLogLine(event));
    });
  }

  /** An error and everything reachable from it: message, String, JSON, stack, inspect, causes, failures, attempts. */
  error(error: unknown, source = 'error'): void {
    this.errors.push(error);
    this.walk(error, source, new Set(), 0);
  }

  private walk(error: unknown, source: string, seen: Set<unknown>, depth: number): void {
    if (depth > 10 || error === null || error === undefined || seen.has(error)) return;
    seen.add(error);
    this.add(`${source} String()`, safely(() => String(error)));
    if (typeof error !== 'object') return;
    const e = error as { message?: unknown; stack?: unknown; cause?: unknown; failures?: unknown; attempts?: unknown; errors?: unknown; error?: unknown };
    this.add(`${source}.message`, safely(() => String(e.message)));
    this.add(`${source}.stack`, safely(() => (typeof e.stack === 'string' ? e.stack : undefined)));
    this.add(`${source} JSON.stringify`, safely(() => JSON.stringify(error)));
    this.add(`${source} inspect`, safely(() => inspect(error, { depth: 8 })));
    this.walk(e.cause, `${source}.cause`, seen, depth + 1);
    for (const [name, list] of [
      ['failures', e.failures],
      ['attempts', e.attempts],
      ['errors', e.errors],
    ] as const) {
      if (!Array.isArray(list)) continue;
      list.forEach((item: unknown, index) => this.walk((item as { error?: unknown } | null)?.error ?? item, `${source}.${name}[${index}]`, seen, depth + 1));
    }
    if (e.error instanceof Error) this.walk(e.error, `${source}.error`, seen, depth + 1);
  }

  /** Stats and health of a client or of a Resilience, as JSON and as console would print them. */
  state(source: string, target: { getHealthStatus(): unknown } & ({ getResilienceStats(): unknown } | { getStats(): unknown })): void {
    const stats = 'getResilienceStats' in target ? target.getResilienceStats() : target.getStats();
    this.add(`${source} stats`, JSON.stringify(stats));
    this.add(`${source} stats (inspect)`, inspect(stats, { depth: 8 }));
    const health = target.getHealthStatus();
    this.add(`${source} health`, JSON.stringify(health));
    this.add(`${source} health (inspect)`, inspect(health, { depth: 8 }));
  }

  /** Something was captured, and no secret is in any of it. */
  expectClean(): void {
    expect(this.texts.length).toBeGreaterThan(0);
    // One line per place, at most a few: enough to find the leak, short enough to read.
    const places = new Map<string, string>();
    for (const { source, text } of this.texts) for (const leak of findLeaks(source, text)) if (!places.has(source)) places.set(source, `${source}: ${leak.match} in ${leak.context}`);
    expect([...places.values()].slice(0, 12)).toEqual([]);
  }
}
