/** Every problem of a configuration at once, each with its path, value, source and what is valid. */
import { ConfigError, describeValue, ResilienceError } from '../core/errors.js';
import { redactValue } from '../core/redact.js';

export interface ConfigIssue {
  /** Dotted path in the YAML, e.g. `rate_limiting.openai.max_requests_per_minute`. */
  readonly path: string;
  readonly value: unknown;
  /** What would be valid. */
  readonly expected: string;
  /** Where the value came from: `config/resilience.yaml`, `env OMEGA_OPENAI_MAX_RPM`, or `default`. */
  readonly source: string;
}

export class ConfigValidationError extends ResilienceError {
  readonly kind = 'config' as const;
  /** Every problem, values with secrets masked (a Redis URL's password). */
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(`Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`);
    this.issues = issues.map((issue) => ({ ...issue, value: redactValue(issue.value) }));
  }

  /** The first issue as a ConfigError (for callers that handle one). */
  first(): ConfigError {
    const issue = this.issues[0]!;
    return new ConfigError(issue.path, issue.value, issue.expected);
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const value = issue.value === undefined ? '' : `: ${describeValue(issue.value)}`;
  return `${issue.path}${value} (from ${issue.source}): expected ${issue.expected}`;
}
