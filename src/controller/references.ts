/**
 * The trunk groups and sub-accounts of the Vobiz account, cached, so that the reconciler can
 * check the ids a spec names before it pays for a purchase or cancels a pending release.
 *
 * Each list is read from Vobiz again once it is older than the TTL, which the manager sets to the
 * sweep interval. An id missing from a cached list also refreshes that list, so a trunk group
 * created a moment ago is found. That refresh happens at most every `missRefreshMs`, so many
 * resources with the same typo share one read.
 */
import type { Logger } from '../log.ts';
import { isVobizError } from '../vobiz/errors.ts';
import type { VobizApi } from '../vobiz/types.ts';

/** The result of looking up one id in a cached list. */
export type ReferenceLookup =
  | { status: 'found' }
  | { status: 'missing'; known: readonly string[] }
  /** The credentials may not read the list (Vobiz returned 403 or 404), so the id was not checked. */
  | { status: 'unchecked'; reason: string };

export interface AccountReferenceCache {
  lookUpTrunkGroup(id: string): Promise<ReferenceLookup>;
  lookUpSubAccount(id: string): Promise<ReferenceLookup>;
}

export interface ReferenceCacheOptions {
  vobiz: Pick<VobizApi, 'listTrunks' | 'listSubAccounts'>;
  /** How long a list is used before it is read again, in milliseconds. */
  ttlMs: number;
  /** Minimum age of a list before a missing id refreshes it, in milliseconds. Default: 10 s, at most `ttlMs`. */
  missRefreshMs?: number;
  logger: Logger;
  now?: () => number;
}

const DEFAULT_MISS_REFRESH_MS = 10_000;

type Listing = { ids: ReadonlySet<string> } | { unavailable: string };

/** One list of ids with its read time; concurrent readers share one request. */
class CachedIdList {
  private listing: Listing | undefined;
  private readAtMs = Number.NEGATIVE_INFINITY;
  private reading: Promise<Listing> | undefined;
  private readonly name: string;
  private readonly read: () => Promise<string[]>;
  private readonly options: Required<Omit<ReferenceCacheOptions, 'vobiz'>>;

  constructor(name: string, read: () => Promise<string[]>, options: Required<Omit<ReferenceCacheOptions, 'vobiz'>>) {
    this.name = name;
    this.read = read;
    this.options = options;
  }

  /** Looks `id` up; throws the list request's error unless it is a 403 or 404. */
  async lookUp(id: string): Promise<ReferenceLookup> {
    const ageMs = this.options.now() - this.readAtMs;
    let listing = this.listing;

    if (listing === undefined || ageMs >= this.options.ttlMs) {
      listing = await this.refresh();
    } else if ('ids' in listing && !listing.ids.has(id) && ageMs >= this.options.missRefreshMs) {
      listing = await this.refresh();
    }

    if ('unavailable' in listing) {
      return { status: 'unchecked', reason: listing.unavailable };
    }
    return listing.ids.has(id) ? { status: 'found' } : { status: 'missing', known: [...listing.ids].sort() };
  }

  private async refresh(): Promise<Listing> {
    this.reading ??= this.readListing().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readListing(): Promise<Listing> {
    let listing: Listing;
    try {
      listing = { ids: new Set(await this.read()) };
    } catch (error) {
      // Sub-account credentials may not list sub-accounts: then the check is skipped, as
      // `vobiz-operator plan` skips it, instead of holding back every purchase.
      if (!isVobizError(error, 'VOBIZ_FORBIDDEN') && !isVobizError(error, 'VOBIZ_NOT_FOUND')) {
        throw error;
      }
      listing = { unavailable: error.message };
      this.options.logger.warn({ err: error, list: this.name }, `listing the account's ${this.name} failed; spec ids of this kind are not checked before a purchase`);
    }

    this.listing = listing;
    this.readAtMs = this.options.now();
    return listing;
  }
}

/** The account's trunk groups and sub-accounts, each read again once it is older than the TTL or misses an id. */
export class ReferenceCache implements AccountReferenceCache {
  private readonly trunkGroups: CachedIdList;
  private readonly subAccounts: CachedIdList;

  constructor(options: ReferenceCacheOptions) {
    const settings = {
      ttlMs: options.ttlMs,
      missRefreshMs: Math.min(options.ttlMs, options.missRefreshMs ?? DEFAULT_MISS_REFRESH_MS),
      logger: options.logger,
      now: options.now ?? Date.now,
    };
    const { vobiz } = options;
    this.trunkGroups = new CachedIdList('trunk groups', async () => (await vobiz.listTrunks()).map((trunk) => trunk.trunkId), settings);
    this.subAccounts = new CachedIdList('sub-accounts', async () => (await vobiz.listSubAccounts()).map((subAccount) => subAccount.authId), settings);
  }

  lookUpTrunkGroup(id: string): Promise<ReferenceLookup> {
    return this.trunkGroups.lookUp(id);
  }

  lookUpSubAccount(id: string): Promise<ReferenceLookup> {
    return this.subAccounts.lookUp(id);
  }
}
