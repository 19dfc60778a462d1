/**
 * Defaults < file < environment: merges what the file says with what the environment overrides,
 * validates the result with the schema, and keeps where every value came from. Every problem is
 * reported at once (ConfigValidationError), each with its path, value, source and what is valid.
 */
import type { z } from 'zod';
import { type ConfigIssue, ConfigValidationError } from './config-error.js';
import { envOverrides } from './env-overrides.js';
import { type ResilienceConfig, resilienceConfigSchema } from './schema.js';

export interface ResolvedConfig {
  readonly config: ResilienceConfig;
  /** Dotted path -> where its value came from (`env OMEGA_...`, the file's name); absent: the default. */
  readonly sources: ReadonlyMap<string, string>;
}

export interface ResolveInput {
  /** The file's content, parsed (an empty object without a file). */
  readonly file: Record<string, unknown>;
  /** Named in sources and messages, e.g. `config/resilience.yaml`. */
  readonly fileName: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Issues found before (reading or parsing the file): reported with the others. */
  readonly issues?: readonly ConfigIssue[];
}

export function resolveConfig(input: ResolveInput): ResolvedConfig {
  const env = envOverrides(input.env);
  const sources = new Map<string, string>();
  for (const path of leafPaths(input.file, '')) sources.set(path, input.fileName);
  for (const [path, source] of env.sources) sources.set(path, source);
  const merged = deepMerge(input.file, env.values);
  const issues: ConfigIssue[] = [...(input.issues ?? []), ...env.issues];
  const result = resilienceConfigSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      for (const key of keys) {
        const segments = [...issue.path.map(String), ...(key === undefined ? [] : [key])];
        const path = segments.join('.') || '(file)';
        const expected = key === undefined ? expectedOf(issue) : `a known key (${knownKeysAt(issue.path.map(String)).join(', ')}): a typo would silently be a default`;
        issues.push({ path, value: valueAt(merged, segments), expected, source: sourceOf(sources, path, input.fileName) });
      }
    }
  }
  if (issues.length > 0) throw new ConfigValidationError(issues);
  return { config: result.data!, sources };
}

/** What would be valid, in words, for one schema issue. */
function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'object' ? 'a mapping of settings' : issue.expected === 'int' ? 'a whole number' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
    case 'too_small':
      return `a ${issue.origin === 'array' ? 'list' : issue.origin} ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `a ${issue.origin} ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    // The only union of the schema is backoff.jitter.
    case 'invalid_union':
      return 'true, false, or one of "full", "equal", "decorrelated", "none"';
    default:
      return issue.message.replace(/^Invalid input: /, '');
  }
}

function sourceOf(sources: ReadonlyMap<string, string>, path: string, fileName: string): string {
  for (let p = path; p; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    const source = sources.get(p);
    if (source) return source;
  }
  return fileName;
}

function knownKeysAt(path: readonly string[]): string[] {
  let schema: unknown = resilienceConfigSchema;
  for (const key of path) schema = shapeOf(schema)?.[key];
  return Object.keys(shapeOf(schema) ?? {});
}

/** The object shape of a (possibly wrapped) zod object schema. */
function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let s = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown; def?: { innerType?: unknown } } | undefined;
  for (let i = 0; i < 5 && s && !s.shape; i++) s = (s.def?.innerType ?? s.unwrap?.()) as typeof s;
  return s?.shape;
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let node = value;
  for (const key of path) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

function leafPaths(value: unknown, prefix: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([key, inner]) => leafPaths(inner, prefix ? `${prefix}.${key}` : key));
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      typeof value === 'object' && value !== null && !Array.isArray(value) && typeof current === 'object' && current !== null && !Array.isArray(current)
        ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
