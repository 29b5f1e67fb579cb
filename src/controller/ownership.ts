/**
 * Ownership of a number that several PhoneNumbers name: the oldest by creationTimestamp, then
 * by uid, owns it. The others get the reason DuplicateNumber and make no call.
 */
import { createdAtMs, isDeleting, type PhoneNumber } from '../api/phone-number.ts';

function compareAge(a: PhoneNumber, b: PhoneNumber): number {
  const byTime = createdAtMs(a) - createdAtMs(b);
  if (byTime !== 0) {
    return byTime;
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
