/**
 * The operator's view of the Vobiz account: the owned numbers of the last complete sweep, kept
 * current between sweeps with what Vobiz confirmed for each mutation the operator made.
 *
 * A sweep lists pages over several seconds while reconciles keep mutating numbers, so a page read
 * before a mutation would undo it in the snapshot. `replace` therefore keeps every local
 * confirmation made after the sweep started over what the sweep read.
 */
import type { E164, OwnedNumber } from '../vobiz/types.ts';

interface Confirmation {
  atMs: number;
  /** The number as Vobiz confirmed it, or undefined when it left the account. */
  number: OwnedNumber | undefined;
}

export class NumberSnapshot {
  private numbers = new Map<E164, OwnedNumber>();
  private confirmations = new Map<E164, Confirmation>();
  private completedAt: Date | undefined;

  /** True once a complete sweep has been stored. */
  get ready(): boolean {
    return this.completedAt !== undefined;
  }

  /** Time the last complete sweep finished. */
  get lastCompleteAt(): Date | undefined {
    return this.completedAt;
  }

  get size(): number {
    return this.numbers.size;
  }

  get(e164: E164): OwnedNumber | undefined {
    return this.numbers.get(e164);
  }

  all(): OwnedNumber[] {
    return [...this.numbers.values()];
  }

  /** Stores the numbers of a complete sweep that started at `startedAtMs`. */
  replace(items: readonly OwnedNumber[], startedAtMs: number, completedAt: Date): void {
    const numbers = new Map(items.map((item) => [item.e164, item] as const));

    for (const [e164, confirmation] of this.confirmations) {
      if (confirmation.atMs < startedAtMs) {
        this.confirmations.delete(e164);
        continue;
      }
      if (confirmation.number === undefined) {
        numbers.delete(e164);
      } else {
        numbers.set(e164, confirmation.number);
      }
    }

    this.numbers = numbers;
    this.completedAt = completedAt;
  }

  /** Records the state Vobiz confirmed for one number; undefined means the account no longer owns it. */
  confirm(e164: E164, number: OwnedNumber | undefined, atMs: number): void {
    this.confirmations.set(e164, { atMs, number });
    if (number === undefined) {
      this.numbers.delete(e164);
    } else {
      this.numbers.set(e164, number);
    }
  }
}
