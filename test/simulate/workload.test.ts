import { describe, expect, it } from 'vitest';
import { alertPrompt, generateAlerts, workloadDigest, WorkloadTooLargeError } from '../../src/simulate/workload.js';

const HOUR_MS = 3_600_000;

describe('alert workload', () => {
  it('is the same for the same seed and different for another', () => {
    const a = generateAlerts({ seed: 5, alertsPerDay: 50_000, durationMs: HOUR_MS });
    const b = generateAlerts({ seed: 5, alertsPerDay: 50_000, durationMs: HOUR_MS });
    const c = generateAlerts({ seed: 6, alertsPerDay: 50_000, durationMs: HOUR_MS });
    expect(b).toEqual(a);
    expect(workloadDigest(b)).toBe(workloadDigest(a));
    expect(workloadDigest(c)).not.toBe(workloadDigest(a));
  });

  it('arrives at the daily rate, in order, inside the run', () => {
    const alerts = generateAlerts({ seed: 1, alertsPerDay: 50_000, durationMs: 6 * HOUR_MS });
    const expected = (50_000 / 24) * 6; // 12 500
    // Poisson: the standard deviation is sqrt(12 500) ≈ 112; 5 of them is a loose, seed-fixed bound.
    expect(Math.abs(alerts.length - expected)).toBeLessThan(560);
    for (let i = 1; i < alerts.length; i++) expect(alerts[i]!.atMs).toBeGreaterThanOrEqual(alerts[i - 1]!.atMs);
    expect(alerts.at(-1)!.atMs).toBeLessThan(6 * HOUR_MS);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
    const critical = alerts.filter((a) => a.severity === 'critical').length / alerts.length;
    expect(critical).toBeGreaterThan(0.03);
    expect(critical).toBeLessThan(0.07);
    expect(alerts.every((a) => a.priority === (a.severity === 'critical' ? 'high' : a.severity === 'warning' ? 'normal' : 'low'))).toBe(true);
  });

  it('arrives faster inside a burst window, at the base rate outside it', () => {
    const bursts = [{ fromMs: HOUR_MS, untilMs: 2 * HOUR_MS, multiplier: 4 }];
    const alerts = generateAlerts({ seed: 2, alertsPerDay: 24_000, durationMs: 3 * HOUR_MS, bursts });
    const inBurst = alerts.filter((a) => a.atMs >= HOUR_MS && a.atMs < 2 * HOUR_MS).length;
    const before = alerts.filter((a) => a.atMs < HOUR_MS).length;
    const after = alerts.filter((a) => a.atMs >= 2 * HOUR_MS).length;
    expect(inBurst / before).toBeGreaterThan(3.2);
    expect(inBurst / before).toBeLessThan(4.8);
    expect(after / before).toBeGreaterThan(0.8);
    expect(after / before).toBeLessThan(1.25);
  });

  it('refuses a run larger than it may hold, saying what to lower', () => {
    expect(() => generateAlerts({ seed: 1, alertsPerDay: 100_000_000, durationMs: 24 * HOUR_MS, maxAlerts: 1000 })).toThrow(WorkloadTooLargeError);
    expect(() => generateAlerts({ seed: 1, alertsPerDay: 100_000_000, durationMs: 24 * HOUR_MS, maxAlerts: 1000 })).toThrow(/--alerts-per-day, --duration or --speed/);
  });

  it('writes prompts of about the planned size (4 characters a token)', () => {
    for (const alert of generateAlerts({ seed: 3, alertsPerDay: 50_000, durationMs: HOUR_MS }).slice(0, 50)) {
      const prompt = alertPrompt(alert);
      expect(prompt).toContain(alert.id);
      expect(Math.abs(prompt.length / 4 - alert.promptTokens)).toBeLessThanOrEqual(40);
    }
  });
});
