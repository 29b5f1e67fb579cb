/**
 * The sweep: list every number the Vobiz account owns, page by page. A sweep is complete only
 * when every page succeeded and the item count equals the `total` that every page reported.
 * Anything else is an `IncompleteSweepError`, and the caller keeps its last complete snapshot.
 */
import type { OwnedNumber, VobizApi } from '../vobiz/types.ts';

export const SWEEP_PAGE_SIZE = 100;

export class IncompleteSweepError extends Error {
  readonly code = 'SWEEP_INCOMPLETE';
  /** Pages read before the sweep stopped. */
  readonly pages: number;

  constructor(message: string, pages: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'IncompleteSweepError';
    this.pages = pages;
  }
}

export interface SweepListing {
  numbers: OwnedNumber[];
  pages: number;
}

export interface SweepHooks {
  /** Called after each page that Vobiz returned. */
  onPage?: () => void;
}

/** Lists every owned number; throws `IncompleteSweepError` unless the listing is complete. */
export async function listAllOwnedNumbers(vobiz: VobizApi, perPage = SWEEP_PAGE_SIZE, hooks: SweepHooks = {}): Promise<SweepListing> {
  const numbers: OwnedNumber[] = [];
  let total: number | undefined;
  let pages = 0;

  for (let page = 1; ; page += 1) {
    let result;
    try {
      result = await vobiz.listNumbersPage({ page, perPage });
    } catch (error) {
      // The cause carries the reason; pino's error serializer appends its message to this one.
      throw new IncompleteSweepError(`sweep stopped: page ${page} failed`, pages, error);
    }
    pages += 1;
    hooks.onPage?.();

    if (total === undefined) {
      total = result.total;
    } else if (result.total !== total) {
      throw new IncompleteSweepError(`sweep stopped: total changed from ${total} to ${result.total} at page ${page}`, pages);
    }

    numbers.push(...result.items);

    const expectedPages = Math.max(1, Math.ceil(total / perPage));
    if (result.items.length === 0 || numbers.length >= total || page >= expectedPages) {
      break;
    }
  }

  if (numbers.length !== total) {
    throw new IncompleteSweepError(`sweep incomplete: read ${numbers.length} numbers in ${pages} pages, Vobiz reported a total of ${total}`, pages);
  }

  const distinct = new Set(numbers.map((number) => number.e164));
  if (distinct.size !== numbers.length) {
    throw new IncompleteSweepError(`sweep incomplete: ${numbers.length - distinct.size} numbers appeared on two pages, so others may be missing`, pages);
  }

  // NOTE: when one number leaves and another joins between two pages, `total` stays the same,
  // no number repeats, and the sweep passes as complete while missing one owned number. The
  // reconciler looks a number up before any purchase, so this cannot buy twice, but for one sweep
  // interval an Observe or AdoptOnly resource can report that number as drifted or not owned.
  return { numbers, pages };
}
