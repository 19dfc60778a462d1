/**
 * Loading `config/resilience.yaml` (Node): the file if there is one, then the environment, then
 * validation. Synchronous, for start-up: bad configuration fails before the first request.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ConfigIssue } from './config-error.js';
import { MAX_CONFIG_CHARS, parseConfigYaml } from './parse-yaml.js';
import { type ResolvedConfig, resolveConfig } from './resolve-config.js';

/** Where the configuration is looked for when no path is given (relative to the working directory). */
export const DEFAULT_CONFIG_PATH = 'config/resilience.yaml';

export interface LoadConfigOptions {
  /** The file. Default `config/resilience.yaml` when it exists (none is fine: defaults and environment). */
  path?: string;
  /** Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedConfig extends ResolvedConfig {
  /** The file read, or undefined when there was none. */
  readonly file: string | undefined;
}

/** Throws ConfigValidationError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const path = options.path ?? (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined);
  if (path === undefined) return { ...resolveConfig({ file: {}, fileName: 'defaults', env }), file: undefined };
  const { values, issues } = readConfigFile(path);
  return { ...resolveConfig({ file: values, fileName: path, env, issues }), file: path };
}

function readConfigFile(path: string): { values: Record<string, unknown>; issues: ConfigIssue[] } {
  const fail = (expected: string) => ({ values: {}, issues: [{ path: '(file)', value: path, expected, source: path }] });
  let text: string;
  try {
    // Checked before reading: a huge file is refused without loading it.
    if (statSync(path).size > MAX_CONFIG_CHARS * 4) return fail(`a file of at most ${MAX_CONFIG_CHARS} characters`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`a readable file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const parsed = parseConfigYaml(text, path);
  return parsed.ok ? { values: parsed.value, issues: [] } : { values: {}, issues: parsed.issues };
}
