/**
 * The mock's clock for a cell: real time, with the wall clock shifted so that a minute boundary
 * falls where the scenario wants it (fixed windows reset at the mock's calendar minutes, and a
 * cell shorter than a minute would otherwise see a boundary or not by chance).
 */
import { type MockClock, systemMockClock } from '../../src/mock/index.js';

const MINUTE_MS = 60_000;

/** A clock whose next minute boundary is `boundaryInMs` from now (no shift when undefined). */
export function cellClock(boundaryInMs: number | undefined): MockClock {
  const realWall = systemMockClock.wallTime!;
  if (boundaryInMs === undefined) return systemMockClock;
  const target = realWall() + boundaryInMs;
  const shiftMs = (MINUTE_MS - (target % MINUTE_MS)) % MINUTE_MS;
  return { ...systemMockClock, wallTime: () => realWall() + shiftMs };
}
