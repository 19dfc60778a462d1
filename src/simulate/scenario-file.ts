/**
 * `--scenario file.yaml` (or .json): a scenario of one's own. Read as data (the configuration's
 * safe YAML rules), checked with a schema; every problem is reported with its path and what is valid.
 *
 * ```yaml
 * name: openai-down-at-peak
 * incidents:
 *   - { kind: burst, multiplier: 3, from: 0.1, until: 0.3 }
 *   - { kind: outage, provider: openai, status: 503, from: "20%", until: "50%" }
 *   - { kind: storm, provider: anthropic, share: 0.4, from: 0.5, until: 0.7 }
 *   - { kind: slow, provider: xai, added_latency_seconds: 20, from: 0.6, until: 0.8 }
 *   - { kind: quota, provider: deepseek, from: 0.7 }
 * ```
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigValidationError, type ConfigIssue } from '../config/config-error.js';
import { parseConfigYaml } from '../config/parse-yaml.js';
import { PROVIDER_IDS } from '../providers/types.js';
import type { Incident, Scenario } from './scenarios.js';

/** A fraction of the run: 0.25 or "25%". */
const fraction = z.union([
  z.number().min(0).max(1),
  z
    .string()
    .regex(/^\d+(\.\d+)?\s*%$/, 'a percentage such as "25%"')
    .transform((s) => Number.parseFloat(s) / 100)
    .pipe(z.number().min(0).max(1)),
]);
const provider = z.enum(PROVIDER_IDS);
const window = { from: fraction.default(0), until: fraction.default(1) };

const incident = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('outage'), provider, status: z.number().int().min(400).max(599).default(503), ...window }),
  z.strictObject({ kind: z.literal('quota'), provider, ...window }),
  z.strictObject({ kind: z.literal('storm'), provider, share: z.number().gt(0).max(1).default(0.5), ...window }),
  z.strictObject({ kind: z.literal('slow'), provider, added_latency_seconds: z.number().gt(0).max(600), ...window }),
  z.strictObject({ kind: z.literal('burst'), multiplier: z.number().gt(0).max(100), ...window }),
]);

const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  description: z.string().max(1000).optional(),
  incidents: z.array(incident).max(100),
});

/** Reads and checks a scenario file; throws ConfigValidationError listing every problem. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigValidationError([{ path: '(file)', value: path, expected: `a readable scenario file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, source: '--scenario' }]);
  }
  return parseScenario(text, path);
}

/** Parses a scenario's YAML or JSON text (JSON is YAML). */
export function parseScenario(text: string, source: string): Scenario {
  const parsed = parseConfigYaml(text, source);
  if (!parsed.ok) throw new ConfigValidationError(parsed.issues);
  const result = scenarioSchema.safeParse(parsed.value);
  if (!result.success) {
    const issues: ConfigIssue[] = result.error.issues.map((issue) => ({
      path: issue.path.join('.') || '(file)',
      value: valueAt(parsed.value, issue.path),
      expected: issue.message,
      source,
    }));
    throw new ConfigValidationError(issues);
  }
  const incidents: Incident[] = [];
  const issues: ConfigIssue[] = [];
  result.data.incidents.forEach((item, index) => {
    if (item.until <= item.from) issues.push({ path: `incidents.${index}.until`, value: item.until, expected: `a point after from (${item.from})`, source });
    incidents.push(item.kind === 'slow' ? { kind: 'slow', provider: item.provider, addedLatencyMs: item.added_latency_seconds * 1000, from: item.from, until: item.until } : item);
  });
  if (issues.length > 0) throw new ConfigValidationError(issues);
  const name = result.data.name ?? source.replace(/^.*[\\/]/, '').replace(/\.(ya?ml|json)$/, '');
  return { name, description: result.data.description ?? `Incidents from ${source}.`, incidents };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
