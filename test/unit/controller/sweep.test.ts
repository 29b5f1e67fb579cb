import { Writable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { NumberSnapshot } from '../../../src/controller/snapshot.ts';
import { IncompleteSweepError, listAllOwnedNumbers } from '../../../src/controller/sweep.ts';
import { createLogger } from '../../../src/log.ts';
import { VobizError } from '../../../src/vobiz/errors.ts';
import type { OwnedNumber } from '../../../src/vobiz/types.ts';
import { FakeVobiz } from './support/fakes.ts';

function account(count: number): FakeVobiz {
  const vobiz = new FakeVobiz();
  for (let index = 0; index < count; index += 1) {
    vobiz.own(`+1415555${String(1000 + index)}`);
  }
  return vobiz;
}

describe('listAllOwnedNumbers', () => {
  it('reads every page', async () => {
    const vobiz = account(250);
    let pages = 0;

    const listing = await listAllOwnedNumbers(vobiz, 100, { onPage: () => (pages += 1) });

    expect(listing.numbers).toHaveLength(250);
    expect(listing.pages).toBe(3);
    expect(pages).toBe(3);
  });

  it('reads one page of an empty account', async () => {
    const listing = await listAllOwnedNumbers(account(0), 100);
    expect(listing).toEqual({ numbers: [], pages: 1 });
  });

  it('fails when a page fails', async () => {
    const vobiz = account(150);
    vobiz.listNumbersPage = async function (query) {
      if (query.page === 2) throw new VobizError('VOBIZ_SERVER_ERROR', 'listNumbers', 'HTTP 500', { status: 500 });
      return FakeVobiz.prototype.listNumbersPage.call(this, query);
    };

    const failure = listAllOwnedNumbers(vobiz, 100);

    await expect(failure).rejects.toBeInstanceOf(IncompleteSweepError);
    await expect(failure).rejects.toThrow(/page 2 failed/);
  });

  it('logs the page error once', async () => {
    const vobiz = account(1);
    vobiz.failNext('listNumbersPage', new VobizError('VOBIZ_UNAUTHORIZED', 'listNumbers', 'Vobiz returned HTTP 401 (unauthorized: invalid credentials)', { status: 401 }));
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    });
    const logger = createLogger({ destination });

    const error = await listAllOwnedNumbers(vobiz, 100).catch((caught: unknown) => caught);
    logger.warn({ err: error }, 'sweep incomplete');

    const message = (JSON.parse(lines[0] ?? '{}') as { err?: { message?: string } }).err?.message ?? '';
    expect(message).toBe('sweep stopped: page 1 failed: listNumbers: Vobiz returned HTTP 401 (unauthorized: invalid credentials)');
  });

  it('fails when the count disagrees with total', async () => {
    const vobiz = account(150);
    vobiz.listNumbersPage = async function (query) {
      const page = await FakeVobiz.prototype.listNumbersPage.call(this, query);
      return { ...page, items: query.page === 2 ? page.items.slice(1) : page.items };
    };

    await expect(listAllOwnedNumbers(vobiz, 100)).rejects.toThrow(/read 149 numbers in 2 pages, Vobiz reported a total of 150/);
  });

  it('fails when total changes between pages', async () => {
    const vobiz = account(150);
    vobiz.listNumbersPage = async function (query) {
      const page = await FakeVobiz.prototype.listNumbersPage.call(this, query);
      return { ...page, total: query.page === 2 ? 151 : page.total };
    };

    await expect(listAllOwnedNumbers(vobiz, 100)).rejects.toThrow(/total changed from 150 to 151/);
  });
});

describe('NumberSnapshot', () => {
  const number = (e164: string, fields: Partial<OwnedNumber> = {}): OwnedNumber => ({
    id: e164,
    e164,
    accountId: 'MA_X',
    country: 'US',
    status: 'active',
    setupFee: 1,
    monthlyFee: 1,
    currency: 'USD',
    ...fields,
  });

  it('is not ready before a complete sweep', () => {
    expect(new NumberSnapshot().ready).toBe(false);
  });

  it('keeps confirmations newer than the sweep start', () => {
    const snapshot = new NumberSnapshot();
    snapshot.confirm('+1', number('+1', { trunkGroupId: 'new' }), 2_000);
    snapshot.confirm('+2', undefined, 2_000);

    // The sweep started at 1000 and read the old state of both numbers.
    snapshot.replace([number('+1', { trunkGroupId: 'old' }), number('+2')], 1_000, new Date(3_000));

    expect(snapshot.get('+1')?.trunkGroupId).toBe('new');
    expect(snapshot.get('+2')).toBeUndefined();
  });

  it('lets a later sweep override an older confirmation', () => {
    const snapshot = new NumberSnapshot();
    snapshot.confirm('+1', number('+1', { trunkGroupId: 'mine' }), 1_000);

    snapshot.replace([number('+1', { trunkGroupId: 'by-hand' })], 2_000, new Date(3_000));

    expect(snapshot.get('+1')?.trunkGroupId).toBe('by-hand');
    expect(snapshot.ready).toBe(true);
  });
});
