/**
 * Drift detection after a complete sweep: for each PhoneNumber that owns its number, compare the
 * spec and the stored status with the number in the snapshot, and decide whether it needs a
 * reconcile. Pure, so the sweep's effect on the queue and the drift metric is unit-tested.
 */
import { READY, findCondition } from '../api/conditions.ts';
import { isDeleting, isPaused, keyOf, type PhoneNumber } from '../api/phone-number.ts';
import type { OwnedNumber } from '../vobiz/types.ts';
import { coolOffJitterMs } from './cool-off.ts';
import { SLOW_RETRY_REASONS } from './failures.ts';
import { ownsNumber } from './ownership.ts';
import { planNumber, type DriftField } from './planner.ts';
import { statusMirrors } from './status.ts';

/** A drifted spec field, or `status` when the stored status no longer mirrors Vobiz. */
export type DriftLabel = DriftField | 'status';

export interface DriftFinding {
  key: string;
  /** Every field that differs now. */
  fields: ReadonlySet<DriftLabel>;
  /** Fields that differ now but did not at the previous sweep; each counts once in the drift metric. */
  newFields: DriftLabel[];
  /** True when a spec field differs, not only the status. */
  specDrifted: boolean;
  /** True when the resource needs a reconcile. */
  enqueue: boolean;
}

export interface DriftInput {
  resources: readonly PhoneNumber[];
  observe(e164: string): OwnedNumber | undefined;
  mainAccountId: string;
  /** Drift fields of each key at the previous sweep. */
  previous: ReadonlyMap<string, ReadonlySet<DriftLabel>>;
  now: Date;
  /**
   * True when the key already waits on a retry timer set by its last reconcile. Default: true.
   * After a restart no timer exists, so the first sweep retries every waiting resource once.
   */
  retryPending?: (key: string) => boolean;
}

/** Finds drift for every resource that owns its number and is neither paused nor being deleted. */
export function detectDrift(input: DriftInput): DriftFinding[] {
  const findings: DriftFinding[] = [];

  for (const resource of input.resources) {
    if (isDeleting(resource) || isPaused(resource) || !ownsNumber(resource, input.resources)) {
      continue;
    }

    const key = keyOf(resource);
    const observed = input.observe(resource.spec.e164);
    const coolOffUntil = resource.status?.coolOffUntil;
    const plan = planNumber({
      spec: resource.spec,
      observed,
      mainAccountId: input.mainAccountId,
      now: input.now,
      ...(coolOffUntil === undefined ? {} : { coolOffUntil: new Date(coolOffUntil), coolOffJitterMs: coolOffJitterMs(resource.metadata.uid) }),
    });

    const fields = new Set<DriftLabel>(plan.drift);
    if (!statusMirrors(resource.status, observed, input.mainAccountId)) {
      fields.add('status');
    }
    const previous = input.previous.get(key) ?? new Set<DriftLabel>();
    const newFields = [...fields].filter((field) => !previous.has(field));

    // A resource whose status was never written for this generation needs a reconcile even
    // without drift, so that it gets its Ready condition.
    const ready = findCondition(resource.status?.conditions, READY);
    const stale = resource.status?.observedGeneration !== resource.metadata.generation || ready === undefined;

    // A failure that needs a person retries on its own slow timer; the same drift again is no
    // reason to call Vobiz at every sweep. A resource the previous sweep did not see failed
    // after that sweep, so its timer already accounts for the drift found now.
    const unchanged = !input.previous.has(key) || (newFields.length === 0 && fields.size === previous.size);
    const retryPending = input.retryPending?.(key) ?? true;
    const waitingSlowly = !stale && unchanged && retryPending && ready !== undefined && SLOW_RETRY_REASONS.has(ready.reason);

    // A cool-off that has not ended by `now` needs no reconcile: the sub-account move is all
    // that is left, and the planner schedules no call before the retry time. Once that time
    // has passed, the plan holds the move again and the resource is enqueued, even when the
    // work queue's timer has not fired (the clock jumped, or the operator restarted).
    const waitingForCoolOff =
      !stale && ready?.reason === 'CoolOffInEffect' && plan.wait?.reason === 'CoolOffInEffect' && plan.actions.length === 0 && [...fields].every((field) => field === 'sub_account');

    findings.push({
      key,
      fields,
      newFields,
      specDrifted: plan.drift.length > 0,
      enqueue: !waitingSlowly && !waitingForCoolOff && (fields.size > 0 || stale),
    });
  }
  return findings;
}
