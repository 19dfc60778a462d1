/**
 * The schema as documentation: one row per setting (YAML path, default, description, the
 * environment variables that set it). The README's configuration table is this table; a test keeps
 * them the same.
 */
import { ENV_VARIABLES } from './env-overrides.js';
import { resilienceConfigSchema } from './schema.js';

export interface ConfigRow {
  readonly path: string;
  readonly defaultValue: string;
  readonly description: string;
  readonly env: readonly string[];
}

interface Node {
  shape?: Record<string, Node>;
  description?: string;
  def?: { innerType?: Node; defaultValue?: unknown; type?: string };
  unwrap?: () => Node;
}

export function configRows(): ConfigRow[] {
  const rows: ConfigRow[] = [];
  walk(resilienceConfigSchema as unknown as Node, [], rows);
  return rows;
}

/** The table in Markdown, as the README holds it. */
export function configTableMarkdown(): string {
  const lines = ['| setting | default | environment | what it does |', '|---|---|---|---|'];
  for (const row of configRows()) lines.push(`| \`${row.path}\` | ${row.defaultValue} | ${row.env.map((e) => `\`${e}\``).join(', ')} | ${row.description} |`);
  return lines.join('\n');
}

function walk(node: Node, path: string[], rows: ConfigRow[]): void {
  const { inner, description, defaultValue } = unwrap(node);
  if (inner.shape) {
    const providers = path.length === 1 && path[0] === 'rate_limiting';
    for (const [key, child] of Object.entries(inner.shape)) {
      // One row set for every provider: `rate_limiting.<provider>.*`.
      if (providers && key !== 'enabled') {
        if (key === 'openai') walk(child, [...path, '<provider>'], rows);
        continue;
      }
      walk(child, [...path, key], rows);
    }
    return;
  }
  const dotted = path.join('.');
  // Provider rows name the variables of one provider (OpenAI's), written with <PROVIDER>.
  const env = ENV_VARIABLES.filter((v) => v.path.join('.') === dotted || v.path.join('.').replace(/^rate_limiting\.openai\./, 'rate_limiting.<provider>.') === dotted).map((v) => v.name.replace(/^(OMEGA_)?OPENAI_/, '$1<PROVIDER>_'));
  const none = dotted.startsWith('rate_limiting.<provider>.') ? "the provider's" : '(none)';
  rows.push({ path: dotted, defaultValue: defaultValue === undefined ? none : `\`${JSON.stringify(defaultValue)}\``, description: description ?? '', env: [...new Set(env)] });
}

/** Looks through optional/default/prefault wrappers for the object or leaf, keeping the description and default. */
function unwrap(node: Node): { inner: Node; description: string | undefined; defaultValue: unknown } {
  let inner = node;
  let description = node.description;
  let defaultValue: unknown;
  for (let i = 0; i < 6 && !inner.shape && inner.def?.innerType; i++) {
    if (inner.def.type === 'default') defaultValue = inner.def.defaultValue;
    inner = inner.def.innerType;
    description ??= inner.description;
  }
  return { inner, description, defaultValue };
}
