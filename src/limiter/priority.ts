/**
 * Request priorities. `critical` bypasses the limiter entirely (the seeds' emergency alerts) but
 * its usage is still counted; the others wait in strict priority order, FIFO within a priority.
 */
export const PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Queue index of each waiting priority (critical never waits). */
export const QUEUE_INDEX: Readonly<Record<Exclude<Priority, 'critical'>, number>> = { high: 0, normal: 1, low: 2 };
/** The priority of each queue index (QUEUE_INDEX inverted). */
export const QUEUE_PRIORITY: readonly Exclude<Priority, 'critical'>[] = ['high', 'normal', 'low'];
export const QUEUE_COUNT = 3;

export function isPriority(value: unknown): value is Priority {
  return value === 'normal' || value === 'high' || value === 'low' || value === 'critical';
}
