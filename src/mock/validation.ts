/**
 * Small validators for the mock's configuration and control requests. Each failure names the
 * field by its path (`keys["sk-x"].limits.requestsPerMinute`) and says what is valid.
 */

/** A configuration value the mock cannot use. */
export class MockConfigError extends Error {
  override readonly name = 'MockConfigError';

  constructor(
    /** Path of the offending field. */
    readonly field: string,
    /** What is wrong and what would be valid. */
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

/** The path of `key` inside the object at `path`. */
export const fieldPath = (path: string, key: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/** Asserts a plain object whose keys are all in `allowed`. */
export function expectObject(value: unknown, path: string, allowed?: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MockConfigError(path, `must be an object, got ${show(value)}`);
  const record = value as Record<string, unknown>;
  if (allowed) {
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) throw new MockConfigError(fieldPath(path, key), `unknown field; valid fields: ${allowed.join(', ')}`);
    }
  }
  return record;
}

/** Asserts a finite number within [min, max] (and an integer when asked), or undefined. */
export function optionalNumber(value: unknown, path: string, range: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const { min = -Infinity, max = Infinity, integer = false, exclusiveMin = false } = range;
  const valid =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (exclusiveMin ? value > min : value >= min) &&
    value <= max &&
    (!integer || Number.isInteger(value));
  if (!valid) {
    const bounds = `${exclusiveMin ? '>' : '>='} ${min}${max < Infinity ? ` and <= ${max}` : ''}`;
    throw new MockConfigError(path, `must be ${integer ? 'an integer' : 'a number'} ${bounds}, got ${show(value)}`);
  }
  return value;
}

/** Asserts one of `choices`, or undefined. */
export function optionalChoice<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new MockConfigError(path, `must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

/** Asserts a boolean, or undefined. */
export function optionalBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new MockConfigError(path, `must be true or false, got ${show(value)}`);
  return value;
}

/** Asserts a non-empty string, or undefined. */
export function optionalString(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new MockConfigError(path, `must be a non-empty string, got ${show(value)}`);
  return value;
}

/** Asserts that a validated value is present. */
export function required<T>(value: T | undefined, path: string): T {
  if (value === undefined) throw new MockConfigError(path, 'is required');
  return value;
}
