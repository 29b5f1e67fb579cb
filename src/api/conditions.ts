/**
 * Helpers for the standard Kubernetes condition list (`status.conditions`), with the same
 * semantics as apimachinery's `meta.SetStatusCondition`: `lastTransitionTime` changes only when
 * the condition's status changes.
 */
import type { Condition } from './phone-number.ts';

export const READY = 'Ready';
export const SYNCED = 'Synced';

export type ConditionStatus = Condition['status'];

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration?: number;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/**
 * Returns a new condition list with `input` set: a new condition gets `now` as its transition
 * time, and an existing one keeps its transition time unless its status changes.
 */
export function setCondition(conditions: readonly Condition[] | undefined, input: ConditionInput, now: Date): Condition[] {
  const existing = findCondition(conditions, input.type);
  const lastTransitionTime = existing !== undefined && existing.status === input.status ? existing.lastTransitionTime : now.toISOString();

  const condition: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime,
    ...(input.observedGeneration === undefined ? {} : { observedGeneration: input.observedGeneration }),
  };

  const others = (conditions ?? []).filter((candidate) => candidate.type !== input.type);
  return [...others, condition].sort((a, b) => a.type.localeCompare(b.type));
}
