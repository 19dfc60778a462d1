/** Part A's figures per subject: admissions per second and per-op time relative to the EVALSHA floor. */
import type { Sample } from '../harness.js';
import { SUBJECT } from './throughput-subjects.js';

export interface ModeFigures {
  opsPerSecond: number;
  /** Median ns per admission, with the interquartile range. */
  nsPerOp: number;
  p25: number;
  p75: number;
  rounds: number;
  opsPerRound: number;
  /** Per-op time ÷ the floor's (1 = as fast as a bare EVALSHA). */
  vsFloor: number;
}

export interface ThroughputRow {
  name: string;
  sequential: ModeFigures;
  inFlight: ModeFigures;
}

function figures(s: Sample, floor: Sample): ModeFigures {
  return { opsPerSecond: 1e9 / s.median, nsPerOp: s.median, p25: s.p25, p75: s.p75, rounds: s.rounds, opsPerRound: s.ops, vsFloor: s.median / floor.median };
}

export function throughputRows(sequential: Sample[], inFlight: Sample[]): ThroughputRow[] {
  const floorOf = (samples: Sample[]): Sample => samples.find((s) => s.name === SUBJECT.floor)!;
  return sequential.map((s, i) => ({ name: s.name, sequential: figures(s, floorOf(sequential)), inFlight: figures(inFlight[i]!, floorOf(inFlight)) }));
}

/** The targets: ours within 1.3× the floor's per-op time, and more admissions per second than each peer. */
export const FLOOR_TARGET = 1.3;

export interface Verdict {
  mode: 'sequential' | 'inFlight';
  withinFloorTarget: boolean;
  vsFloor: number;
  /** Peers at least as fast as ours (empty: ahead of all). */
  notAheadOf: string[];
}

export function verdicts(rows: ThroughputRow[]): Verdict[] {
  const ours = rows.find((r) => r.name === SUBJECT.ours)!;
  const peers = rows.filter((r) => r.name === SUBJECT.flexible || r.name === SUBJECT.bottleneck);
  return (['sequential', 'inFlight'] as const).map((mode) => ({
    mode,
    vsFloor: ours[mode].vsFloor,
    withinFloorTarget: ours[mode].vsFloor <= FLOOR_TARGET,
    notAheadOf: peers.filter((p) => p[mode].opsPerSecond >= ours[mode].opsPerSecond).map((p) => p.name),
  }));
}
