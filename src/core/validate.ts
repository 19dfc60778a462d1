/**
 * Option checks that throw a {@link ConfigError} naming the option, the value and what is valid.
 * Every component validates its options with these, so messages read the same everywhere.
 */
import { ConfigError } from './errors.js';

const isNumber = (value: unknown): value is number => typeof value === 'number' && !Number.isNaN(value);

/** A finite number > 0 (Infinity allowed when `allowInfinity`). */
export function positiveNumber(path: string, value: unknown, options: { allowInfinity?: boolean } = {}): number {
  if (!isNumber(value) || value <= 0 || (!options.allowInfinity && !Number.isFinite(value))) {
    throw new ConfigError(path, value, options.allowInfinity ? 'a number > 0 (or Infinity)' : 'a finite number > 0');
  }
  return value;
}

/** A finite number >= 0. */
export function nonNegativeNumber(path: string, value: unknown): number {
  if (!isNumber(value) || value < 0 || !Number.isFinite(value)) throw new ConfigError(path, value, 'a finite number >= 0');
  return value;
}

/** An integer >= `min` (Infinity allowed when `allowInfinity`). */
export function integerAtLeast(path: string, value: unknown, min: number, options: { allowInfinity?: boolean } = {}): number {
  const ok = isNumber(value) && value >= min && (Number.isInteger(value) || (options.allowInfinity === true && value === Infinity));
  if (!ok) throw new ConfigError(path, value, `an integer >= ${min}${options.allowInfinity ? ' (or Infinity)' : ''}`);
  return value;
}

/** One of the listed strings. */
export function oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(path, value, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

/** Rejects keys that are not in `known`: a typo must not silently fall back to a default. */
export function noUnknownKeys(path: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new ConfigError(`${path ? `${path}.` : ''}${key}`, (value as Record<string, unknown>)[key], `a known option (${known.join(', ')})`);
    }
  }
}
