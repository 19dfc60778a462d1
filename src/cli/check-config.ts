/**
 * `llm-resilience check-config [file]`: prints the merged, validated configuration (defaults < file
 * < environment), each value with where it came from, secrets masked; or every problem at once.
 * Exit codes: 0 valid, 1 invalid.
 */
import { ConfigValidationError, formatIssue } from '../config/config-error.js';
import { loadConfig } from '../config/load-config.js';
import { redactSecrets } from '../core/redact.js';

export function runCheckConfig(args: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env, out = process.stdout, err = process.stderr): number {
  const path = args.find((a) => !a.startsWith('-'));
  try {
    const loaded = loadConfig({ path, env });
    out.write(`# ${loaded.file ? `${loaded.file}` : 'no configuration file'} + environment: valid\n`);
    out.write(render(loaded.config as unknown as Record<string, unknown>, loaded.sources, '', 0));
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    err.write(`Invalid configuration (${error.issues.length} problem${error.issues.length === 1 ? '' : 's'}):\n`);
    for (const issue of error.issues) err.write(`  - ${mask(formatIssue(issue))}\n`);
    return 1;
  }
}

function render(value: Record<string, unknown>, sources: ReadonlyMap<string, string>, path: string, depth: number): string {
  let text = '';
  const indent = '  '.repeat(depth);
  for (const [key, inner] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      text += `${indent}${key}:\n${render(inner as Record<string, unknown>, sources, here, depth + 1)}`;
    } else {
      const source = sources.get(here) ?? 'default';
      text += `${indent}${key}: ${mask(JSON.stringify(inner))}   # ${source}\n`;
    }
  }
  return text;
}

/** Passwords in URLs and anything shaped like an API key. */
function mask(text: string): string {
  return redactSecrets(text.replace(/(rediss?:\/\/[^:/@\s"]*:)[^@\s"]+@/g, '$1***@'));
}
