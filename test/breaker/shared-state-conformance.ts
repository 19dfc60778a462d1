/**
 * What every SharedBreakerState must do, run against the in-memory fleet and against Redis
 * (throttled's store test suite idea: one contract, every store).
 */
import { describe, expect, it } from 'vitest';
import type { SharedBreakerState } from '../../src/breaker/index.js';

export interface ConformanceFleet {
  /** The state as process `processId` sees it (same service, same fleet). */
  state(processId: string): SharedBreakerState;
  /** Lets `ms` of store time pass. */
  wait(ms: number): Promise<void>;
}

export function sharedStateConformance(name: string, open: () => ConformanceFleet, enabled = true): void {
  describe.skipIf(!enabled)(`SharedBreakerState conformance: ${name}`, () => {
    it('a report is seen by the other processes, never by its author, longest first', async () => {
      const fleet = open();
      const [a, b, c] = [fleet.state('a'), fleet.state('b'), fleet.state('c')];
      await a.reportOpen(5_000);
      await b.reportOpen(9_000);
      const seenByC = await c.read();
      expect(seenByC.openReports).toBe(2);
      expect(seenByC.openRemainingMs).toHaveLength(2);
      expect(seenByC.openRemainingMs[0]).toBeGreaterThan(8_000);
      expect(seenByC.openRemainingMs[0]).toBeLessThanOrEqual(9_000);
      expect(seenByC.openRemainingMs[1]).toBeGreaterThan(4_000);
      const seenByA = await a.read();
      expect(seenByA.openReports).toBe(1);
      expect(seenByA.openRemainingMs).toHaveLength(1);
    });

    it('a process counts once: a new report replaces its earlier one', async () => {
      const fleet = open();
      const [a, c] = [fleet.state('a'), fleet.state('c')];
      await a.reportOpen(9_000);
      const view = await a.reportOpen(3_000).then(() => c.read());
      expect(view.openReports).toBe(1);
      expect(view.openRemainingMs[0]).toBeLessThanOrEqual(3_000);
    });

    it('reports expire when their open time is over', async () => {
      const fleet = open();
      await fleet.state('a').reportOpen(40);
      await fleet.state('b').reportOpen(60_000);
      await fleet.wait(80);
      const view = await fleet.state('c').read();
      expect(view.openReports).toBe(1);
      expect(view.openRemainingMs[0]).toBeGreaterThan(59_000);
    });

    it('a close clears every report and token and is remembered after the reports it cleared', async () => {
      const fleet = open();
      const [a, b] = [fleet.state('a'), fleet.state('b')];
      const reported = await a.reportOpen(60_000);
      await a.acquireProbe(3, 60_000);
      await fleet.wait(5);
      const closed = await b.reportClosed(60_000);
      expect(closed).toMatchObject({ openReports: 0, openRemainingMs: [], probesInFlight: 0 });
      expect(closed.closedAtMs).toBeGreaterThan(reported.storeTimeMs);
      expect((await a.read()).closedAtMs).toBe(closed.closedAtMs);
    });

    it('probe tokens: at most maxInFlight across the fleet, released or expired tokens free a slot', async () => {
      const fleet = open();
      const [a, b, c] = [fleet.state('a'), fleet.state('b'), fleet.state('c')];
      const first = await a.acquireProbe(2, 60_000);
      const second = await b.acquireProbe(2, 60_000);
      const third = await c.acquireProbe(2, 60_000);
      expect([first.token, second.token].every((t) => typeof t === 'string')).toBe(true);
      expect(first.token).not.toBe(second.token);
      expect(third.token).toBeNull();
      expect(third.view.probesInFlight).toBe(2);
      expect((await a.releaseProbe(first.token!)).probesInFlight).toBe(1);
      expect((await c.acquireProbe(2, 40)).token).not.toBeNull();
      expect((await a.acquireProbe(2, 60_000)).token).toBeNull();
      await fleet.wait(80);
      expect((await a.acquireProbe(2, 60_000)).token).not.toBeNull();
    });

    it('releasing an unknown or already released token changes nothing', async () => {
      const fleet = open();
      const a = fleet.state('a');
      const { token } = await a.acquireProbe(1, 60_000);
      await a.releaseProbe(token!);
      expect((await a.releaseProbe(token!)).probesInFlight).toBe(0);
      expect((await a.releaseProbe('nobody:1')).probesInFlight).toBe(0);
    });
  });
}
