/** The README's configuration table is the schema's: every setting, default and variable, nothing else. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTableMarkdown, ENV_VARIABLES } from '../../src/config/index.js';

describe('README configuration table', () => {
  const readme = readFileSync('README.md', 'utf8');
  const table = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];

  it('is the table generated from the schema', () => {
    expect(table).toBe(configTableMarkdown());
  });

  it('names every environment variable, or its <PROVIDER> form', () => {
    for (const variable of ENV_VARIABLES) {
      const generic = variable.name.replace(/^(OMEGA_)?(OPENAI|ANTHROPIC|GOOGLE|XAI|DEEPSEEK|MOONSHOT)_/, '$1<PROVIDER>_');
      expect(readme.includes(variable.name) || readme.includes(generic), variable.name).toBe(true);
    }
  });
});
