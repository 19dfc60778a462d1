/** Reading the admission script's replies; anything unexpected is a StoreError ('bad_reply'). */
import { StoreError } from './store-error.js';

/** A script reply checked to be an array of at least `min` entries. */
export function replyArray(operation: string, reply: unknown, min: number): readonly unknown[] {
  if (!Array.isArray(reply) || reply.length < min) throw badReply(operation, reply);
  return reply as unknown[];
}

/** Entry `i` as a finite number (Redis integers arrive as numbers, fractions as strings). */
export function replyNumber(operation: string, reply: readonly unknown[], i: number): number {
  const value = reply[i];
  const n = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw badReply(operation, reply);
  return n;
}

/** The StoreError of a reply that is not what the script answers. */
export function badReply(operation: string, reply: unknown): StoreError {
  let text: string;
  try {
    text = JSON.stringify(reply) ?? String(reply);
  } catch {
    text = String(reply);
  }
  return new StoreError(operation, 'bad_reply', `unexpected script reply ${text.slice(0, 120)}`);
}
