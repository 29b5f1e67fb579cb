/**
 * `VobizClient`: the operator's one way to talk to Vobiz. It validates input before any
 * request, builds each path with its Vobiz casing, validates every response with zod, and
 * settles the outcome of a mutation that failed in an unknown way by reading state.
 */
import type { Logger } from 'pino';

import { assertE164 } from './e164.ts';
import { VobizError } from './errors.ts';
import {
  accountProfilePath,
  balancePath,
  cancelReleasePath,
  inventoryPath,
  numbersPath,
  purchasePath,
  releasePath,
  subAccountAssignmentPath,
  subAccountsPath,
  trunkAssignmentPath,
  trunkPath,
  trunksPath,
  withQuery,
} from './paths.ts';
import { RateLimiter } from './rate-limiter.ts';
import { defaultRetryOptions, type RetryOptions } from './retry-policy.ts';
import {
  accountProfileSchema,
  balanceSchema,
  inventoryPageSchema,
  ownedNumberPageSchema,
  parseResponse,
  purchaseResponseSchema,
  releaseResponseSchema,
  subAccountListSchema,
  toAccountProfile,
  toBalance,
  toInventoryNumber,
  toOwnedNumber,
  toPage,
  toReleaseResult,
  toSubAccount,
  toTrunk,
  trunkListSchema,
  trunkSchema,
} from './schemas.ts';
import { Transport, type Call, type VobizClientHooks, type VobizOperation } from './transport.ts';
import type {
  AccountProfile,
  Balance,
  E164,
  InventoryNumber,
  OwnedNumber,
  Page,
  ReleaseResult,
  SubAccount,
  Trunk,
  VobizApi,
} from './types.ts';

export interface VobizClientOptions {
  /** Vobiz API origin without `/api/v1`, for example `https://api.vobiz.ai`. */
  baseUrl: string;
  /** `MA_...` for a main account, `SA_...` for a sub-account. */
  authId: string;
  authToken: string;
  logger?: Logger;
  hooks?: VobizClientHooks;
  /**
   * `User-Agent` header of every request, for example `vobiz-operator/0.1.0 (pod-7f9c_1a2b3c4d)`,
   * so that Vobiz's logs show which replica sent a call. None when undefined.
   */
  userAgent?: string;
  /** Shared by every call of this client. Default: 5 requests per second, burst of 10. */
  rateLimit?: { requestsPerSecond: number; burst: number };
  /** Requests in flight at most. Default 4. */
  maxConcurrency?: number;
  /** Time allowed for one attempt, response body included, in milliseconds. Default 15000. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
}

// NOTE: Vobiz documents no request rate limit for these endpoints; these defaults are a cautious guess.
const defaultRateLimit = { requestsPerSecond: 5, burst: 10 };
const defaultMaxConcurrency = 4;
const defaultTimeoutMs = 15_000;

/** Largest page Vobiz serves for numbers, inventory and trunks. */
const maxPageSize = 100;

/** Sweeps of owned numbers started over when the total changed before one completes. */
const maxSweepAttempts = 3;

/** Failures after which a mutation may or may not have taken effect at Vobiz. */
const unknownOutcomeCodes = new Set(['VOBIZ_SERVER_ERROR', 'VOBIZ_TIMEOUT', 'VOBIZ_CONNECTION_RESET']);

/**
 * True when the state at Vobiz must be read to learn what `error` hides: a timeout, reset or
 * 5xx, or a 2xx whose body does not parse, since the 2xx means the mutation took effect. A
 * request that never left the client needs no read.
 */
function needsSettling(error: unknown): error is VobizError {
  if (!(error instanceof VobizError) || error.notSent) return false;
  if (unknownOutcomeCodes.has(error.code)) return true;

  const succeeded = error.status !== undefined && error.status >= 200 && error.status < 300;
  return error.code === 'VOBIZ_INVALID_RESPONSE' && succeeded;
}

function badRequest(operation: string, message: string): VobizError {
  return new VobizError('VOBIZ_BAD_REQUEST', operation, message);
}

function checkPage(operation: string, page: number | undefined, perPage: number | undefined): void {
  if (page !== undefined && !(Number.isInteger(page) && page >= 1)) {
    throw badRequest(operation, `invalid page ${page}: expected an integer from 1`);
  }
  if (perPage !== undefined && !(Number.isInteger(perPage) && perPage >= 1 && perPage <= maxPageSize)) {
    throw badRequest(operation, `invalid perPage ${perPage}: expected an integer from 1 to ${maxPageSize}`);
  }
}

/** `search` and `exclude` values: digits of an E.164 number, optionally with its leading `+`. */
function checkNumberFragment(operation: string, name: string, value: string): void {
  if (!/^\+?\d{1,15}$/.test(value)) {
    throw badRequest(operation, `invalid ${name} ${JSON.stringify(value)}: expected digits of an E.164 number, optionally starting with "+"`);
  }
}

function checkId(operation: string, name: string, value: string, pattern: RegExp, example: string): void {
  if (!pattern.test(value)) {
    throw badRequest(operation, `invalid ${name} ${JSON.stringify(value)}: expected a value like ${example}`);
  }
}

export class VobizClient implements VobizApi {
  readonly authId: string;
  readonly #transport: Transport;
  readonly #logger: Logger | undefined;

  constructor(options: VobizClientOptions) {
    // Neither check echoes the value: an auth id that fails may be the token set in the wrong place.
    if (!/^(MA|SA)_[A-Za-z0-9]+$/.test(options.authId)) {
      throw new TypeError(
        `invalid Vobiz auth id (${options.authId.length} characters, not shown): expected "MA_" or "SA_" followed by letters and digits; ` +
          'check that the auth id and the auth token are not swapped',
      );
    }
    if (options.authToken === '') {
      throw new TypeError('missing Vobiz auth token: set it next to the auth id');
    }
    // A token goes into a header, where a newline or control character is invalid and a space
    // at either end is stripped. A trailing newline from the file or variable is the usual cause.
    if (!/^[\x21-\x7e]+$/.test(options.authToken)) {
      throw new TypeError(
        'invalid Vobiz auth token (not shown): it contains whitespace, a control character or a non-ASCII character; ' +
          'remove them, for example the trailing newline of the file or variable it was read from',
      );
    }

    const rateLimit = options.rateLimit ?? defaultRateLimit;
    const maxConcurrency = options.maxConcurrency ?? defaultMaxConcurrency;

    this.authId = options.authId;
    this.#logger = options.logger;
    this.#transport = new Transport({
      baseUrl: options.baseUrl,
      authId: options.authId,
      authToken: options.authToken,
      limiter: new RateLimiter({ ...rateLimit, maxConcurrency }),
      maxConnections: maxConcurrency,
      timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
      retry: { ...defaultRetryOptions, ...options.retry },
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
      ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
    });
  }

  /** Closes the client's connections; calls made afterwards fail. */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  async searchInventory(query: {
    country?: string;
    search?: string;
    exclude?: string[];
    page?: number;
    perPage?: number;
  }): Promise<Page<InventoryNumber>> {
    const operation = 'searchInventory';
    if (query.country !== undefined && !/^[A-Z]{2}$/.test(query.country)) {
      throw badRequest(operation, `invalid country ${JSON.stringify(query.country)}: expected an ISO 3166-1 alpha-2 code such as "US"`);
    }
    if (query.search !== undefined) checkNumberFragment(operation, 'search', query.search);
    for (const prefix of query.exclude ?? []) checkNumberFragment(operation, 'exclude prefix', prefix);
    checkPage(operation, query.page, query.perPage);

    const path = withQuery(inventoryPath(this.authId), {
      country: query.country,
      search: query.search,
      exclude: query.exclude,
      page: query.page,
      per_page: query.perPage,
    });
    const response = await this.#transport.send({ operation, method: 'GET', path, mutation: false });
    const wire = parseResponse(inventoryPageSchema, response.body, operation, response.status);
    return toPage(wire, toInventoryNumber);
  }

  async purchaseFromInventory(e164: E164, currency?: string): Promise<OwnedNumber> {
    const operation = 'purchase';
    assertE164(e164, operation);
    if (currency !== undefined) checkId(operation, 'currency', currency, /^[A-Z]{3}$/, '"USD"');

    const call: Call = {
      operation,
      method: 'POST',
      path: purchasePath(this.authId),
      body: currency === undefined ? { e164 } : { e164, currency },
      subject: `number ${e164}`,
      mutation: true,
    };

    try {
      const response = await this.#transport.send(call);
      return toOwnedNumber(parseResponse(purchaseResponseSchema, response.body, operation, response.status).number);
    } catch (error) {
      // A purchase that timed out may have gone through, and one that returned 2xx did, so the
      // number is then on the account. A number pending release or released was there before
      // this call, because a purchase yields neither status.
      return this.#settle(operation, e164, error, (owned) => {
        const fromBefore = owned?.status === 'pending_release' || owned?.status === 'released';
        return fromBefore ? undefined : owned;
      });
    }
  }

  async listNumbersPage(query: { page: number; perPage?: number; search?: string }): Promise<Page<OwnedNumber>> {
    const operation = 'listNumbers';
    checkPage(operation, query.page, query.perPage);
    if (query.search !== undefined) checkNumberFragment(operation, 'search', query.search);

    const path = withQuery(numbersPath(this.authId), { page: query.page, per_page: query.perPage, search: query.search });
    const response = await this.#transport.send({ operation, method: 'GET', path, mutation: false });
    const wire = parseResponse(ownedNumberPageSchema, response.body, operation, response.status);
    return toPage(wire, toOwnedNumber);
  }

  async listAllNumbers(options: { perPage?: number } = {}): Promise<OwnedNumber[]> {
    return this.#sweep(options.perPage ?? maxPageSize);
  }

  async findOwnedNumber(e164: E164): Promise<OwnedNumber | undefined> {
    assertE164(e164, 'listNumbers');

    // `search` matches substrings, so "+1415555123" also finds "+14155551234": keep the exact match only.
    const matches = await this.#sweep(maxPageSize, e164);
    return matches.find((number) => number.e164 === e164);
  }

  async releaseNumber(e164: E164, options: { immediate?: boolean } = {}): Promise<ReleaseResult> {
    const operation = 'release';
    assertE164(e164, operation);

    const immediate = options.immediate === true;
    const path = withQuery(releasePath(this.authId, e164), { immediate: immediate ? 'true' : undefined });

    try {
      const response = await this.#transport.send({ operation, method: 'DELETE', path, subject: `number ${e164}`, mutation: true });
      return toReleaseResult(parseResponse(releaseResponseSchema, response.body, operation, response.status));
    } catch (error) {
      return this.#settle(operation, e164, error, (owned): ReleaseResult | undefined => {
        if (owned === undefined) return { status: 'released' };
        if (owned.status === 'pending_release' || owned.status === 'released') return { status: owned.status };
        return undefined;
      });
    }
  }

  async cancelRelease(e164: E164): Promise<void> {
    const operation = 'cancelRelease';
    assertE164(e164, operation);

    await this.#mutate(
      { operation, method: 'POST', path: cancelReleasePath(this.authId, e164), subject: `number ${e164}`, mutation: true },
      e164,
      (owned) => owned?.status === 'active',
    );
  }

  async assignTrunk(e164: E164, trunkGroupId: string): Promise<void> {
    const operation = 'assignTrunk';
    assertE164(e164, operation);
    checkId(operation, 'trunk group id', trunkGroupId, /^[A-Za-z0-9-]+$/, 'a trunk UUID such as "5f0c2b1e-8a4d-4c4e-9d1a-3b2f6e7c8d90"');

    await this.#mutate(
      {
        operation,
        method: 'POST',
        path: trunkAssignmentPath(this.authId, e164),
        body: { trunk_group_id: trunkGroupId },
        subject: `number ${e164} and trunk ${trunkGroupId}`,
        mutation: true,
      },
      e164,
      (owned) => owned?.trunkGroupId === trunkGroupId,
    );
  }

  async unassignTrunk(e164: E164): Promise<void> {
    const operation = 'unassignTrunk';
    assertE164(e164, operation);

    await this.#mutate(
      { operation, method: 'DELETE', path: trunkAssignmentPath(this.authId, e164), subject: `number ${e164}`, mutation: true },
      e164,
      (owned) => owned !== undefined && owned.trunkGroupId === undefined,
    );
  }

  async assignSubAccount(e164: E164, subAccountId: string): Promise<void> {
    const operation = 'assignSubAccount';
    assertE164(e164, operation);
    checkId(operation, 'sub-account id', subAccountId, /^SA_[A-Za-z0-9]+$/, '"SA_XXXXXXXX"');

    await this.#mutate(
      {
        operation,
        method: 'POST',
        path: subAccountAssignmentPath(this.authId, e164),
        body: { sub_account_id: subAccountId },
        subject: `number ${e164} and sub-account ${subAccountId}`,
        mutation: true,
      },
      e164,
      (owned) => owned?.accountId === subAccountId,
    );
  }

  async unassignSubAccount(e164: E164, options: { force?: boolean } = {}): Promise<void> {
    const operation = 'unassignSubAccount';
    assertE164(e164, operation);

    const path = withQuery(subAccountAssignmentPath(this.authId, e164), { force: options.force === true ? 'true' : undefined });
    await this.#mutate(
      { operation, method: 'DELETE', path, subject: `number ${e164}`, mutation: true },
      e164,
      (owned) => owned?.accountId === this.authId,
    );
  }

  async listTrunks(): Promise<Trunk[]> {
    const operation = 'listTrunks';
    const trunks: Trunk[] = [];

    for (let offset = 0; ; ) {
      const path = withQuery(trunksPath(this.authId), { limit: maxPageSize, offset });
      const response = await this.#transport.send({ operation, method: 'GET', path, mutation: false });
      const wire = parseResponse(trunkListSchema, response.body, operation, response.status);

      trunks.push(...wire.objects.map(toTrunk));
      offset += wire.objects.length;
      if (wire.objects.length === 0 || offset >= wire.meta.total) return trunks;
    }
  }

  async getTrunk(trunkId: string): Promise<Trunk> {
    const operation = 'getTrunk';
    checkId(operation, 'trunk id', trunkId, /^[A-Za-z0-9-]+$/, 'a trunk UUID such as "5f0c2b1e-8a4d-4c4e-9d1a-3b2f6e7c8d90"');

    const response = await this.#transport.send({
      operation,
      method: 'GET',
      path: trunkPath(this.authId, trunkId),
      subject: `trunk ${trunkId}`,
      mutation: false,
    });
    return toTrunk(parseResponse(trunkSchema, response.body, operation, response.status));
  }

  async listSubAccounts(): Promise<SubAccount[]> {
    const operation = 'listSubAccounts';
    const subAccounts: SubAccount[] = [];

    for (let page = 1; ; page += 1) {
      const path = withQuery(subAccountsPath(this.authId), { page, size: maxPageSize });
      const response = await this.#transport.send({ operation, method: 'GET', path, mutation: false });
      const wire = parseResponse(subAccountListSchema, response.body, operation, response.status);

      subAccounts.push(...wire.sub_accounts.map(toSubAccount));
      if (wire.sub_accounts.length === 0 || subAccounts.length >= wire.total) return subAccounts;
    }
  }

  async getAccount(): Promise<AccountProfile> {
    const operation = 'getAccount';
    const response = await this.#transport.send({ operation, method: 'GET', path: accountProfilePath(), mutation: false });
    return toAccountProfile(parseResponse(accountProfileSchema, response.body, operation, response.status));
  }

  async getBalance(currency: string): Promise<Balance> {
    const operation = 'getBalance';
    checkId(operation, 'currency', currency, /^[A-Z]{3}$/, '"USD"');

    const response = await this.#transport.send({
      operation,
      method: 'GET',
      path: balancePath(this.authId, currency),
      subject: `currency ${currency}`,
      mutation: false,
    });
    return toBalance(parseResponse(balanceSchema, response.body, operation, response.status));
  }

  /** Runs `#listAll`, starting it over up to `maxSweepAttempts` times when numbers moved during it. */
  async #sweep(perPage: number, search?: string): Promise<OwnedNumber[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#listAll('listNumbers', perPage, search);
      } catch (error) {
        // The operator's own purchases and releases move numbers during a sweep, so a changed
        // total is expected now and then: start the sweep over a few times before giving up.
        const moved = error instanceof VobizError && error.code === 'VOBIZ_INVALID_RESPONSE' && error.field === 'total';
        if (!moved || attempt >= maxSweepAttempts) throw error;
        this.#logger?.info({ operation: 'listNumbers', attempt, reason: error.message }, 'numbers changed during the sweep; listing them again');
      }
    }
  }

  /**
   * Lists every page of owned numbers, optionally filtered by `search`. Page 1 gives `total`,
   * and the sweep then reads exactly the pages that `total` needs. It fails when a page comes
   * back empty too early or `total` changes, because numbers then moved during the sweep.
   *
   * NOTE: a number that leaves the account and another that joins it between two pages keep
   * `total` unchanged but shift the later pages, so the sweep can miss an owned number and
   * still list the one that left. Confirm a number missing from a sweep with
   * `findOwnedNumber` before acting on its absence.
   */
  async #listAll(operation: VobizOperation, perPage: number, search?: string): Promise<OwnedNumber[]> {
    checkPage(operation, 1, perPage);

    const numbers: OwnedNumber[] = [];
    const seen = new Set<string>();
    let total: number | undefined;

    for (let page = 1; total === undefined || (page - 1) * perPage < total; page += 1) {
      const result = await this.listNumbersPage(search === undefined ? { page, perPage } : { page, perPage, search });

      if (total !== undefined && result.total !== total) {
        throw new VobizError(
          'VOBIZ_INVALID_RESPONSE',
          operation,
          `total changed from ${total} to ${result.total} between pages; numbers changed during the sweep, so list them again`,
          { field: 'total' },
        );
      }
      total = result.total;

      for (const number of result.items) {
        if (seen.has(number.e164)) continue;
        seen.add(number.e164);
        numbers.push(number);
      }
      if (result.items.length === 0) break;
    }

    if (numbers.length !== total) {
      throw new VobizError(
        'VOBIZ_INVALID_RESPONSE',
        operation,
        `listed ${numbers.length} distinct numbers but Vobiz reported a total of ${total}; numbers changed during the sweep, so list them again`,
        { field: 'total' },
      );
    }
    return numbers;
  }

  /** Sends a mutation whose response body is not used; an unknown outcome is settled by `tookEffect`. */
  async #mutate(call: Call, e164: E164, tookEffect: (owned: OwnedNumber | undefined) => boolean): Promise<void> {
    try {
      await this.#transport.send({ ...call, discardBody: true });
    } catch (error) {
      await this.#settle(call.operation, e164, error, (owned) => (tookEffect(owned) ? true : undefined));
    }
  }

  /**
   * Settles a mutation that failed. Errors with a known outcome are rethrown as they are.
   * After a timeout, reset or 5xx the mutation may have taken effect, and after a 2xx with an
   * unreadable body it did, so the client reads the number's state and passes it to `result`.
   * That returns the mutation's result when the state shows it took effect, or undefined when
   * it did not; then the original error is rethrown. When the state cannot be read either,
   * the error is `VOBIZ_OUTCOME_UNKNOWN`.
   */
  async #settle<T>(operation: VobizOperation, e164: E164, error: unknown, result: (owned: OwnedNumber | undefined) => T | undefined): Promise<T> {
    if (!needsSettling(error)) throw error;

    let owned: OwnedNumber | undefined;
    try {
      owned = await this.findOwnedNumber(e164);
    } catch (readError) {
      const reason = readError instanceof Error ? readError.message : String(readError);
      throw new VobizError(
        'VOBIZ_OUTCOME_UNKNOWN',
        operation,
        `outcome unknown for number ${e164}: ${error.message}; reading its state to settle the outcome failed too (${reason}). ` +
          'Read the number again before repeating the call',
        { cause: readError, ...(error.status === undefined ? {} : { status: error.status }) },
      );
    }

    const settled = result(owned);
    if (settled === undefined) throw error;

    this.#logger?.info({ operation, e164, code: error.code }, 'Vobiz call failed but the number state shows it took effect');
    return settled;
  }
}

export function createVobizClient(options: VobizClientOptions): VobizClient {
  return new VobizClient(options);
}
