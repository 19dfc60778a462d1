/**
 * A configuration file is data: YAML's core schema only (no tags that construct objects, an
 * unknown tag is an error), duplicate keys refused, aliases bounded, a size limit, and no key that
 * could reach a prototype (`__proto__`, `constructor`, `prototype`).
 */
import { parseDocument } from 'yaml';
import type { ConfigIssue } from './config-error.js';

/** Largest configuration text accepted, in characters. */
export const MAX_CONFIG_CHARS = 256 * 1024;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type ParsedYaml = { ok: true; value: Record<string, unknown> } | { ok: false; issues: ConfigIssue[] };

export function parseConfigYaml(text: string, source: string): ParsedYaml {
  const fail = (expected: string, path = '(file)', value?: unknown): ParsedYaml => ({ ok: false, issues: [{ path, value, expected, source }] });
  if (text.length > MAX_CONFIG_CHARS) return fail(`a file of at most ${MAX_CONFIG_CHARS} characters (it has ${text.length})`);
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, strict: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) return { ok: false, issues: problems.map((p) => ({ path: `(line ${p.linePos?.[0]?.line ?? '?'})`, value: undefined, expected: `valid YAML: ${p.message.split('\n')[0]}`, source })) };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return fail(`valid YAML: ${(error as Error).message}`);
  }
  if (value === null || value === undefined) return { ok: true, value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) return fail('a mapping at the top (circuit_breaker:, rate_limiting:, ...)', '(file)', value);
  const forbidden = forbiddenKey(value, '');
  if (forbidden) return fail('a configuration key (this one could reach an object prototype)', forbidden);
  return { ok: true, value: value as Record<string, unknown> };
}

function forbiddenKey(value: unknown, path: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return here;
    const inner = forbiddenKey((value as Record<string, unknown>)[key], here);
    if (inner) return inner;
  }
  return undefined;
}
