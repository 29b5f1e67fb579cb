/**
 * Ownership of a number that several PhoneNumbers name: the oldest by creationTimestamp owns
 * it. The others get the reason DuplicateNumber and make no call.
 *
 * creationTimestamp has a resolution of one second, so two resources created in the same second
 * tie. Then the one whose status shows it already acted on the number keeps it, and only when
 * neither or both did, the lower uid wins. Without that step a duplicate created in the same
 * second as the owner could take the number over and move its trunk group.
 */
import { READY, findCondition } from '../api/conditions.ts';
import { createdAtMs, isDeleting, type PhoneNumber } from '../api/phone-number.ts';

/** Ready reason of a resource that claims a number another resource owns. */
export const DUPLICATE_REASON = 'DuplicateNumber';

/**
 * True when the status shows that the resource has acted on its number as the owner: it has a
 * purchase in flight, or a Ready condition other than DuplicateNumber.
 *
 * NOTE: a reconcile that adopts an owned number writes its first status after its first Vobiz
 * call, so two resources of the same second reconciled at that very moment can both act once.
 */
function hasActedAsOwner(resource: PhoneNumber): boolean {
  if (resource.status?.pendingPurchase !== undefined) {
    return true;
  }
  const ready = findCondition(resource.status?.conditions, READY);
  return ready !== undefined && ready.reason !== DUPLICATE_REASON;
}

/** True when the last status of `resource` reports it as the duplicate of another claimant. */
export function isReportedDuplicate(resource: PhoneNumber): boolean {
  return findCondition(resource.status?.conditions, READY)?.reason === DUPLICATE_REASON;
}

function compareAge(a: PhoneNumber, b: PhoneNumber): number {
  const byTime = createdAtMs(a) - createdAtMs(b);
  if (byTime !== 0) {
    return byTime;
  }
  const byAction = Number(hasActedAsOwner(b)) - Number(hasActedAsOwner(a));
  if (byAction !== 0) {
    return byAction;
  }
  return (a.metadata.uid ?? '').localeCompare(b.metadata.uid ?? '');
}

/** Returns the resource that owns `e164` among `resources`, or undefined when none claims it. */
export function claimOwner(resources: readonly PhoneNumber[], e164: string): PhoneNumber | undefined {
  const claimants = resources.filter((resource) => resource.spec.e164 === e164);
  return claimants.sort(compareAge)[0];
}

/** True when `resource` is the owner of its number among `resources`. */
export function ownsNumber(resource: PhoneNumber, resources: readonly PhoneNumber[]): boolean {
  const owner = claimOwner(resources, resource.spec.e164);
  return owner === undefined || owner.metadata.uid === resource.metadata.uid;
}

/** Resources other than `resource` that claim the same number and are not being deleted. */
export function otherLiveClaimants(resource: PhoneNumber, resources: readonly PhoneNumber[]): PhoneNumber[] {
  return resources.filter(
    (candidate) => candidate.spec.e164 === resource.spec.e164 && candidate.metadata.uid !== resource.metadata.uid && !isDeleting(candidate),
  );
}
