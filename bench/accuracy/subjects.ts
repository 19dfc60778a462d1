/** Every client the benchmark compares, in report order. */
import { sdkWithResilientFetch, unifiedClient } from './ours.js';
import { sdkAlone, sdkWithBottleneck, sdkWithPQueue } from './peers.js';
import type { Subject } from './subject.js';

export const SUBJECTS: readonly Subject[] = [sdkAlone, sdkWithPQueue, sdkWithBottleneck, sdkWithResilientFetch, unifiedClient];

/** A subject by id (fleet workers are told which one to run). */
export function subjectById(id: string): Subject {
  const subject = SUBJECTS.find((s) => s.id === id);
  if (!subject) throw new Error(`unknown subject '${id}'; known: ${SUBJECTS.map((s) => s.id).join(', ')}`);
  return subject;
}
