import { describe, expect, it } from 'vitest';
import { ConfigValidationError } from '../../src/config/config-error.js';
import { faultsOf } from '../../src/simulate/incident-driver.js';
import { parseScenario } from '../../src/simulate/scenario-file.js';
import { BUILT_IN_SCENARIOS, builtInScenario } from '../../src/simulate/scenarios.js';

describe('scenario files', () => {
  it('reads incidents with fractions or percentages', () => {
    const scenario = parseScenario(
      `name: peak
incidents:
  - { kind: burst, multiplier: 3, from: 0.1, until: 0.3 }
  - { kind: outage, provider: openai, from: "20%", until: "50%" }
  - { kind: storm, provider: anthropic, share: 0.4, from: 0.5, until: 0.7 }
  - { kind: slow, provider: xai, added_latency_seconds: 20, from: 0.6, until: 0.8 }
  - { kind: quota, provider: deepseek, from: 0.7 }
`,
      'peak.yaml',
    );
    expect(scenario.name).toBe('peak');
    expect(scenario.incidents).toEqual([
      { kind: 'burst', multiplier: 3, from: 0.1, until: 0.3 },
      { kind: 'outage', provider: 'openai', status: 503, from: 0.2, until: 0.5 },
      { kind: 'storm', provider: 'anthropic', share: 0.4, from: 0.5, until: 0.7 },
      { kind: 'slow', provider: 'xai', addedLatencyMs: 20_000, from: 0.6, until: 0.8 },
      { kind: 'quota', provider: 'deepseek', from: 0.7, until: 1 },
    ]);
  });

  it('names every bad field with its value and what is valid', () => {
    const text = `incidents:
  - { kind: outage, provider: openia, from: 0.2, until: 0.4 }
  - { kind: storm, provider: openai, share: 2 }
  - { kind: slow, provider: xai }
  - { kind: quake }
`;
    let error: unknown;
    try {
      parseScenario(text, 'bad.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const issues = (error as ConfigValidationError).issues;
    expect(issues.map((i) => i.path)).toEqual(['incidents.0.provider', 'incidents.1.share', 'incidents.2.added_latency_seconds', 'incidents.3.kind']);
    expect(issues[0]!.value).toBe('openia');
    expect((error as Error).message).toContain('bad.yaml');
    expect(issues[0]!.expected).toMatch(/openai/);
  });

  it('refuses an incident that ends before it starts, and unknown keys', () => {
    expect(() => parseScenario('incidents: [{ kind: quota, provider: openai, from: 0.5, until: 0.2 }]', 's.yaml')).toThrow(/incidents\.0\.until.*after from/);
    expect(() => parseScenario('incidents: [{ kind: quota, provider: openai, form: 0.5 }]', 's.yaml')).toThrow(/form/);
    expect(() => parseScenario('incidents: [{ kind: quota, provider: openai, from: "120%" }]', 's.yaml')).toThrow(/incidents\.0\.from/);
  });

  it('every built-in scenario names only the run\'s providers and windows inside the run', () => {
    for (const name of BUILT_IN_SCENARIOS) {
      for (const providers of [['openai'], ['openai', 'anthropic', 'xai', 'deepseek']] as const) {
        const scenario = builtInScenario(name, providers);
        for (const incident of scenario.incidents) {
          expect(incident.from).toBeGreaterThanOrEqual(0);
          expect(incident.until).toBeLessThanOrEqual(1);
          expect(incident.until).toBeGreaterThan(incident.from);
          if (incident.kind !== 'burst') expect(providers).toContain(incident.provider);
        }
      }
    }
  });

  it('turns the incidents active on a provider into one set of mock faults', () => {
    expect(faultsOf([])).toBeUndefined();
    expect(
      faultsOf([
        { kind: 'outage', provider: 'openai', status: 503, from: 0, until: 1 },
        { kind: 'slow', provider: 'openai', addedLatencyMs: 5000, from: 0, until: 1 },
        { kind: 'storm', provider: 'openai', share: 0.3, from: 0, until: 1 },
        { kind: 'quota', provider: 'openai', from: 0, until: 1 },
      ]),
    ).toEqual({ outages: [{ mode: 'unavailable', status: 503 }], addedLatencyMs: 5000, errorRates: { '429': 0.3 }, quotaExhausted: true });
  });
});
