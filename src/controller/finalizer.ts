/**
 * Deletion of a PhoneNumber. With deletionPolicy Release, the number is released at Vobiz only
 * when the account owns it and it is active. The release is skipped when another live
 * PhoneNumber claims the number, or when the resource's last status reports it as a duplicate.
 * Then the finalizer is removed. While Vobiz cannot be reached the finalizer stays, so the
 * number is never left behind silently.
 */
import { FINALIZER, isPaused, keyOf, type PhoneNumber } from '../api/phone-number.ts';
import type { Logger } from '../log.ts';
import { isVobizError } from '../vobiz/errors.ts';
import type { OwnedNumber, VobizApi } from '../vobiz/types.ts';
import type { EventRecorder } from './events.ts';
import type { NumberState, OperatorMetrics } from './metrics.ts';
import { isNotLeader, type MutationGate } from './mutation-gate.ts';
import { isReportedDuplicate, otherLiveClaimants } from './ownership.ts';
import type { PhoneNumberWriter, StatusUpdate } from './reconciler.ts';
import type { ResourceStore } from './resource-store.ts';
import type { NumberSnapshot } from './snapshot.ts';
import type { HandlerResult } from './work-queue.ts';

export interface FinalizeInput {
  resource: PhoneNumber;
  key: string;
  log: Logger;
  store: ResourceStore;
  vobiz: VobizApi;
  snapshot: NumberSnapshot;
  writer: PhoneNumberWriter;
  events: EventRecorder;
  states: Map<string, NumberState>;
  metrics?: OperatorMetrics;
  gate: MutationGate;
  writeStatus(update: StatusUpdate): Promise<void>;
}

/** Releases the number when deletionPolicy is Release and releasing is safe, then removes the finalizer. */
export async function finalize(input: FinalizeInput): Promise<HandlerResult> {
  const { resource, log, vobiz, snapshot, metrics } = input;
  const spec = resource.spec;

  if (!(resource.metadata.finalizers ?? []).includes(FINALIZER)) {
    return { outcome: 'success' };
  }

  const wantsRelease = spec.deletionPolicy === 'Release' && spec.managementPolicy === 'Manage';
  const others = otherLiveClaimants(resource, input.store.list());

  if (wantsRelease && others.length > 0) {
    log.info({ claimedBy: others.map(keyOf) }, 'not releasing: another PhoneNumber claims the number');
  } else if (wantsRelease && isReportedDuplicate(resource)) {
    // The number belongs to another claimant, which may be deleted at the same time with
    // deletionPolicy Retain, as when a namespace is deleted. So a duplicate never releases.
    log.info('not releasing: the resource was a duplicate and never managed the number');
  } else if (wantsRelease && isPaused(resource)) {
    await input.writeStatus({ synced: { status: 'False', reason: 'Paused', message: 'Deletion waits: the paused annotation is "true", and deletionPolicy Release needs a Vobiz call.' } });
    return { outcome: 'success' };
  } else if (wantsRelease) {
    let number: OwnedNumber | undefined;
    try {
      number = await vobiz.findOwnedNumber(spec.e164);
      if (number !== undefined && number.status === 'active') {
        input.gate.assertOpen(`release ${spec.e164}`);
        await vobiz.releaseNumber(spec.e164);
        metrics?.releases.inc({ result: 'success' });

        const { trunkGroupId: _detached, ...rest } = number;
        snapshot.confirm(spec.e164, { ...rest, status: 'pending_release' }, Date.now());
        log.info({ action: 'release', outcome: 'success' }, `release ${spec.e164}: done`);
        await input.events.record(resource, 'Normal', 'Released', `Vobiz confirmed: release ${spec.e164} (pending for 24 hours, cancellable).`);
      } else {
        log.info({ vobizStatus: number?.status }, 'not releasing: the account does not own the number or it is not active');
      }
    } catch (error) {
      if (isNotLeader(error)) {
        throw error;
      }
      if (number !== undefined) {
        metrics?.releases.inc({ result: 'error' });
        log.info({ action: 'release', outcome: 'error', code: isVobizError(error) ? error.code : 'ERROR' }, `release ${spec.e164}: failed`);
      }

      const message = error instanceof Error ? error.message : String(error);
      log.warn({ err: error }, 'release on deletion failed; keeping the finalizer');
      await input.writeStatus({ synced: { status: 'False', reason: 'VobizError', message: `Releasing the number failed, so the finalizer stays: ${message}` } });
      return isVobizError(error) && error.retryAfterMs !== undefined ? { outcome: 'error', afterMs: error.retryAfterMs } : { outcome: 'error' };
    }
  }

  input.gate.assertOpen(`remove the finalizer of ${input.key}`);
  await input.writer.removeFinalizer(resource);
  input.states.delete(input.key);
  input.store.forget(input.key);
  log.info({ deletionPolicy: spec.deletionPolicy }, 'finalizer removed');
  return { outcome: 'success' };
}
