/**
 * How the client behaves when Vobiz misbehaves: timeouts, dropped connections, 5xx, 429
 * with `Retry-After`, malformed bodies. Simulator only, through its fault injection.
 * The rule under test throughout: a mutation is never sent twice blindly, and an unknown
 * outcome is settled by reading state.
 */
import { Writable } from 'node:stream';

import { pino } from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { defaultTrunkIds, startSimulator, type RequestLogEntry } from '../../src/simulator/index.ts';
import { VobizError, type VobizClient } from '../../src/vobiz/index.ts';
import { caught, targets, type ContractTarget } from './targets.ts';

const simulator = targets.find((definition) => definition.isSimulator);
const [trunkA] = defaultTrunkIds;
const e164 = '+14155550100';

describe.runIf(simulator !== undefined)('resilience against the simulator', () => {
  let target: ContractTarget;
  let client: VobizClient;

  beforeAll(async () => {
    if (simulator === undefined) throw new Error('no simulator target');
    target = await simulator.start();
    client = target.client({ timeoutMs: 300 });
  });

  afterAll(async () => {
    await target.close();
  });

  beforeEach(async () => {
    await target.controls?.reset();
  });

  async function log(operation: string): Promise<RequestLogEntry[]> {
    return (await target.controls?.requestLog({ operation })) ?? [];
  }

  describe('mutations', () => {
    it('timed-out successful purchase buys once', async () => {
      await target.controls?.setFaults({ rules: [{ operation: 'purchase', phase: 'after', action: { type: 'delay', ms: 2_000 } }] });
      const balance = (await client.getBalance('USD')).balance;

      const owned = await client.purchaseFromInventory(e164);

      expect(owned.e164).toBe(e164);
      expect(owned.accountId).toBe(target.authId);
      expect(await target.controls?.requestLog({ operation: 'purchase', e164 })).toHaveLength(1);
      expect((await client.getBalance('USD')).balance).toBeCloseTo(balance - 2.15, 2);
    });

    it('a purchase whose connection drops after it succeeded leads to exactly one purchase', async () => {
      await target.controls?.setFaults({ rules: [{ operation: 'purchase', phase: 'after', times: 1, action: { type: 'drop' } }] });

      const owned = await client.purchaseFromInventory(e164);

      expect(owned.e164).toBe(e164);
      const purchases = await log('purchase');
      expect(purchases).toHaveLength(1);
      expect(purchases[0]?.status).toBe('dropped');
    });

    it('a purchase answered 502 after it succeeded is settled as a success', async () => {
      await target.controls?.setFaults({ rules: [{ operation: 'purchase', phase: 'after', times: 1, action: { type: 'error', status: 502 } }] });

      expect((await client.purchaseFromInventory(e164)).e164).toBe(e164);
      expect(await log('purchase')).toHaveLength(1);
    });

    it('a purchase that failed with 503 before taking effect is not repeated', async () => {
      await target.controls?.setFaults({ rules: [{ operation: 'purchase', times: 1, action: { type: 'error', status: 503 } }] });

      const error = await caught<VobizError>(() => client.purchaseFromInventory(e164));

      expect(error.code).toBe('VOBIZ_SERVER_ERROR');
      expect(error.retryable).toBe(true);
      expect(await log('purchase')).toHaveLength(1);
      expect(await client.findOwnedNumber(e164)).toBeUndefined();
    });

    it('a purchase that timed out before taking effect is not repeated', async () => {
      await target.controls?.setFaults({ rules: [{ operation: 'purchase', times: 1, action: { type: 'delay', ms: 1_000 } }, { operation: 'purchase', times: 1, action: { type: 'drop' } }] });

      const error = await caught<VobizError>(() => client.purchaseFromInventory(e164));

      expect(['VOBIZ_TIMEOUT', 'VOBIZ_CONNECTION_RESET']).toContain(error.code);
      expect(await log('purchase')).toHaveLength(1);
      expect(await client.findOwnedNumber(e164)).toBeUndefined();
    });

    it('failed purchase ignores a pending release', async () => {
      // The number is on the account only because of an earlier purchase and release; a purchase never yields pending_release.
      await client.purchaseFromInventory(e164);
      await client.releaseNumber(e164);
      await target.controls?.setFaults({ rules: [{ operation: 'purchase', times: 1, action: { type: 'drop' } }] });

      const error = await caught<VobizError>(() => client.purchaseFromInventory(e164));

      expect(error.code).toBe('VOBIZ_CONNECTION_RESET');
      expect((await client.findOwnedNumber(e164))?.status).toBe('pending_release');
    });

    it('failed purchase ignores a listed released number', async () => {
      const released = {
        id: '0c6f5d2a-3b1e-4f7a-9c8d-2e1f0a9b8c7d',
        account_id: target.authId,
        e164,
        country: 'US',
        status: 'released',
        setup_fee: 1,
        monthly_fee: 1.15,
        currency: 'USD',
        released_at: '2026-07-01T00:00:00.123456789Z',
      };
      await target.controls?.setFaults({
        rules: [
          { operation: 'purchase', times: 1, action: { type: 'drop' } },
          { operation: 'listNumbers', action: { type: 'respond', status: 200, body: { items: [released], page: 1, per_page: 100, total: 1 } } },
        ],
      });

      const error = await caught<VobizError>(() => client.purchaseFromInventory(e164));

      expect(error.code).toBe('VOBIZ_CONNECTION_RESET');
    });

    it('purchase is resent after 429', async () => {
      // A 429 means Vobiz did not apply the request, so sending it again cannot buy twice.
      await target.controls?.setFaults({ rules: [{ operation: 'purchase', times: 1, action: { type: 'error', status: 429, retryAfterSeconds: 0 } }] });

      expect((await client.purchaseFromInventory(e164)).e164).toBe(e164);
      expect((await log('purchase')).map((entry) => entry.status)).toEqual([429, 200]);
    });

    it('purchase resent after an HTTP-date Retry-After', async () => {
      const delays: number[] = [];
      const patient = target.client({ hooks: { onRetry: (event) => delays.push(event.delayMs) } });
      await target.controls?.setFaults({
        rules: [{ operation: 'purchase', times: 1, action: { type: 'error', status: 429, retryAfterSeconds: 1, retryAfterFormat: 'http-date' } }],
      });

      expect((await patient.purchaseFromInventory(e164)).e164).toBe(e164);

      expect((await log('purchase')).map((entry) => entry.status)).toEqual([429, 200]);
      expect(delays).toHaveLength(1);
      expect(delays[0]).toBeGreaterThan(0);
      expect(delays[0]).toBeLessThanOrEqual(2_000);
    });

    it('an unknown outcome that cannot be read is VOBIZ_OUTCOME_UNKNOWN', async () => {
      await target.controls?.setFaults({
        rules: [
          { operation: 'purchase', phase: 'after', action: { type: 'drop' } },
          { operation: 'listNumbers', action: { type: 'error', status: 503 } },
        ],
      });

      const error = await caught<VobizError>(() => client.purchaseFromInventory(e164));

      expect(error.code).toBe('VOBIZ_OUTCOME_UNKNOWN');
      expect(error.message).toContain(e164);
      expect(error.retryable).toBe(true);
      expect(await log('purchase')).toHaveLength(1);
    });

    it('an assignment whose connection drops after it took effect is settled by reading', async () => {
      await client.purchaseFromInventory(e164);
      await target.controls?.setFaults({ rules: [{ operation: 'assignTrunk', phase: 'after', action: { type: 'drop' } }] });

      await client.assignTrunk(e164, trunkA);

      expect(await log('assignTrunk')).toHaveLength(1);
      expect((await client.findOwnedNumber(e164))?.trunkGroupId).toBe(trunkA);
    });

    it('a release whose response times out is settled as pending_release', async () => {
      await client.purchaseFromInventory(e164);
      await target.controls?.setFaults({ rules: [{ operation: 'release', phase: 'after', action: { type: 'delay', ms: 2_000 } }] });

      const result = await client.releaseNumber(e164);

      expect(result.status).toBe('pending_release');
      expect(await log('release')).toHaveLength(1);
    });

    it('purchase 200 with an unreadable body is settled', async () => {
      // The 200 means the number was bought and paid for; a body the schema rejects must not hide that.
      await target.controls?.setFaults({
        rules: [{ operation: 'purchase', phase: 'after', action: { type: 'respond', status: 200, body: { message: 'ok', number: { e164 } } } }],
      });

      const owned = await client.purchaseFromInventory(e164);

      expect(owned.e164).toBe(e164);
      expect(owned.accountId).toBe(target.authId);
      expect(await log('purchase')).toHaveLength(1);
    });

    it('release 200 with a non-JSON body is settled', async () => {
      await client.purchaseFromInventory(e164);
      await target.controls?.setFaults({ rules: [{ operation: 'release', phase: 'after', action: { type: 'respond', status: 200, body: 'released' } }] });

      const result = await client.releaseNumber(e164);

      expect(result.status).toBe('pending_release');
      expect(await log('release')).toHaveLength(1);
    });

    it('unreadable 200 without a change keeps its error', async () => {
      await target.controls?.setFaults({ rules: [{ operation: 'purchase', action: { type: 'respond', status: 200, body: 'OK' } }] });

      const error = await caught<VobizError>(() => client.purchaseFromInventory(e164));

      expect(error.code).toBe('VOBIZ_INVALID_RESPONSE');
      expect(error.status).toBe(200);
      expect(await client.findOwnedNumber(e164)).toBeUndefined();
    });

    it('purchase that cannot connect is not settled', async () => {
      // A refused connection means the request never left, so there is no outcome to read.
      const stopped = await startSimulator();
      await stopped.close();
      const offline = target.client({ baseUrl: stopped.url });

      const error = await caught<VobizError>(() => offline.purchaseFromInventory(e164));

      expect(error.code).toBe('VOBIZ_CONNECTION_REFUSED');
      expect(error.message).toContain(`could not connect to Vobiz at ${stopped.url} for number ${e164}: connection refused`);
      expect(error.notSent).toBe(true);
      expect(error.retryable).toBe(true);
    });

    it('read retried after a refused connection', async () => {
      const stopped = await startSimulator();
      await stopped.close();
      const retries: string[] = [];
      const offline = target.client({ baseUrl: stopped.url, retry: { baseDelayMs: 1, maxDelayMs: 1 }, hooks: { onRetry: (event) => retries.push(event.code) } });

      const error = await caught<VobizError>(() => offline.getAccount());

      expect(error.code).toBe('VOBIZ_CONNECTION_REFUSED');
      expect(error.message).toContain(`could not connect to Vobiz at ${stopped.url}: connection refused`);
      expect(error.message).toContain('check --vobiz-url or VOBIZ_BASE_URL');
      expect(retries).toEqual(['VOBIZ_CONNECTION_REFUSED', 'VOBIZ_CONNECTION_REFUSED']);
    });

    it('purchase after close is not sent', async () => {
      const retries: string[] = [];
      const closing = target.client({ hooks: { onRetry: (event) => retries.push(event.operation) } });
      await closing.close();

      const error = await caught<VobizError>(() => closing.purchaseFromInventory(e164));

      expect(error.code).toBe('VOBIZ_CONNECTION_RESET');
      expect(error.notSent).toBe(true);
      expect(error.message).toContain('client is closed');
      expect(retries).toEqual([]);
      expect(await log('purchase')).toHaveLength(0);
      expect(await log('listNumbers')).toHaveLength(0);
    });

    it('an unassignment whose connection drops before it took effect keeps its error', async () => {
      await client.purchaseFromInventory(e164);
      await client.assignSubAccount(e164, 'SA_SIMTEAM01');
      await target.controls?.setFaults({ rules: [{ operation: 'unassignSubAccount', times: 1, action: { type: 'drop' } }] });

      const error = await caught<VobizError>(() => client.unassignSubAccount(e164));

      expect(error.code).toBe('VOBIZ_CONNECTION_RESET');
      expect(await log('unassignSubAccount')).toHaveLength(1);
      expect((await client.findOwnedNumber(e164))?.accountId).toBe('SA_SIMTEAM01');
    });
  });

  describe('reads', () => {
    it('honour Retry-After on 429', async () => {
      const delays: number[] = [];
      const patient = target.client({ hooks: { onRetry: (event) => delays.push(event.delayMs) } });
      await target.controls?.setFaults({ rules: [{ operation: 'getAccount', times: 1, action: { type: 'error', status: 429, retryAfterSeconds: 1 } }] });

      const profile = await patient.getAccount();

      expect(profile.authId).toBe(target.authId);
      expect(delays).toEqual([1_000]);
      const calls = await log('getAccount');
      expect(calls.map((call) => call.status)).toEqual([429, 200]);
      const [first, second] = calls;
      const gap = Date.parse(second?.time ?? '') - Date.parse(first?.time ?? '');
      expect(gap).toBeGreaterThanOrEqual(950);
    });

    it('fail at once with retryAfterMs when Retry-After exceeds the longest wait', async () => {
      const hasty = target.client({ retry: { maxRetryAfterMs: 500 } });
      await target.controls?.setFaults({ rules: [{ operation: 'getAccount', times: 1, action: { type: 'error', status: 429, retryAfterSeconds: 30 } }] });

      const error = await caught<VobizError>(() => hasty.getAccount());

      expect(error.code).toBe('VOBIZ_RATE_LIMITED');
      expect(error.retryAfterMs).toBe(30_000);
      expect(await log('getAccount')).toHaveLength(1);
    });

    it('read Retry-After as an HTTP date', async () => {
      const hasty = target.client({ retry: { maxRetryAfterMs: 500 } });
      await target.controls?.setFaults({
        rules: [{ operation: 'getAccount', times: 1, action: { type: 'error', status: 429, retryAfterSeconds: 30, retryAfterFormat: 'http-date' } }],
      });

      const error = await caught<VobizError>(() => hasty.getAccount());

      expect(error.code).toBe('VOBIZ_RATE_LIMITED');
      expect(error.retryAfterMs).toBeGreaterThan(28_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(31_000);
      expect(await log('getAccount')).toHaveLength(1);
    });

    it('simulator writes an HTTP-date Retry-After', async () => {
      await target.controls?.setFaults({ rateLimit: { requestsPerSecond: 1, retryAfterSeconds: 5, retryAfterFormat: 'http-date' } });
      const path = `${target.baseUrl}/api/v1/auth/me`;
      const headers = { 'x-auth-id': target.authId, 'x-auth-token': target.authToken };

      await (await request(path, { headers })).body.text();
      const limited = await request(path, { headers });
      await limited.body.text();

      expect(limited.statusCode).toBe(429);
      const retryAfter = String(limited.headers['retry-after']);
      expect(retryAfter).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(Date.parse(retryAfter) - Date.now()).toBeGreaterThan(3_000);
    });

    it('retry 5xx and dropped connections', async () => {
      await target.controls?.setFaults({
        rules: [
          { operation: 'getBalance', times: 1, action: { type: 'error', status: 503 } },
          { operation: 'getBalance', times: 1, action: { type: 'drop' } },
        ],
      });

      expect((await client.getBalance('USD')).currency).toBe('USD');
      expect((await log('getBalance')).map((call) => call.status)).toEqual([503, 'dropped', 200]);
    });

    it('retry a timed-out read', async () => {
      // An `after` delay logs the request at once, so both attempts are in the log when the call returns.
      await target.controls?.setFaults({ rules: [{ operation: 'listTrunks', phase: 'after', times: 1, action: { type: 'delay', ms: 1_000 } }] });
      expect(await client.listTrunks()).toHaveLength(2);
      expect(await log('listTrunks')).toHaveLength(2);
    });

    it('give up after maxAttempts', async () => {
      await target.controls?.setFaults({ rules: [{ operation: 'getAccount', action: { type: 'error', status: 500 } }] });

      const error = await caught<VobizError>(() => client.getAccount());

      expect(error.code).toBe('VOBIZ_SERVER_ERROR');
      expect(await log('getAccount')).toHaveLength(3);
    });

    it('retry a failed page of a sweep', async () => {
      await target.controls?.seed({
        owned: Array.from({ length: 250 }, (_, index) => ({ e164: `+1650555${String(index).padStart(4, '0')}`, country: 'US', setupFee: 1, monthlyFee: 1, currency: 'USD' })),
      });
      await target.controls?.setFaults({ rules: [{ operation: 'listNumbers', page: 2, times: 1, action: { type: 'error', status: 502 } }] });

      expect(await client.listAllNumbers({ perPage: 100 })).toHaveLength(250);
      expect((await log('listNumbers')).map((call) => call.status)).toEqual([200, 502, 200, 200]);
    });

    it('restart a sweep when numbers move', async () => {
      await target.controls?.seed({
        owned: Array.from({ length: 150 }, (_, index) => ({ e164: `+1650555${String(index).padStart(4, '0')}`, country: 'US', setupFee: 1, monthlyFee: 1, currency: 'USD' })),
      });
      await target.controls?.setFaults({ rules: [{ operation: 'listNumbers', page: 2, times: 1, action: { type: 'delay', ms: 1_000 } }] });

      // Buy a number while page 2 is held back, once page 1 has been served.
      const sweep = target.client({ timeoutMs: 5_000 }).listAllNumbers({ perPage: 100 });
      await vi.waitFor(async () => expect(await log('listNumbers')).toHaveLength(1));
      await client.purchaseFromInventory(e164);
      const numbers = await sweep;

      expect(numbers).toHaveLength(151);
      expect((await log('listNumbers')).map((call) => call.page)).toEqual([1, 2, 1, 2]);
    });

    it('fail the sweep when a page keeps failing', async () => {
      await target.controls?.seed({
        owned: Array.from({ length: 150 }, (_, index) => ({ e164: `+1650555${String(index).padStart(4, '0')}`, country: 'US', setupFee: 1, monthlyFee: 1, currency: 'USD' })),
      });
      await target.controls?.setFaults({ rules: [{ operation: 'listNumbers', page: 2, action: { type: 'error', status: 500 } }] });

      const error = await caught<VobizError>(() => client.listAllNumbers({ perPage: 100 }));
      expect(error.code).toBe('VOBIZ_SERVER_ERROR');
    });

    it('get 429 above the configured rate and still complete', async () => {
      const busy = target.client({ retry: { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 50 } });
      await target.controls?.setFaults({ rateLimit: { requestsPerSecond: 3, retryAfterSeconds: 1 } });

      const results = await Promise.all(Array.from({ length: 5 }, () => busy.getAccount()));

      expect(results).toHaveLength(5);
      const statuses = (await log('getAccount')).map((call) => call.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(5);
      expect(statuses).toContain(429);
    });
  });

  describe('responses', () => {
    it('a 200 whose body breaks the schema is VOBIZ_INVALID_RESPONSE naming the field', async () => {
      await target.controls?.setFaults({
        rules: [{ operation: 'getBalance', action: { type: 'respond', status: 200, body: { currency: 'USD', balance: '12.50', available_balance: 12.5 } } }],
      });

      const error = await caught<VobizError>(() => client.getBalance('USD'));
      expect(error.code).toBe('VOBIZ_INVALID_RESPONSE');
      expect(error.field).toBe('balance');
    });

    it('a 200 that is not JSON is VOBIZ_INVALID_RESPONSE', async () => {
      await target.controls?.setFaults({ rules: [{ operation: 'getAccount', action: { type: 'respond', status: 200, body: '<html>maintenance</html>' } }] });

      const error = await caught<VobizError>(() => client.getAccount());
      expect(error.code).toBe('VOBIZ_INVALID_RESPONSE');
    });

    it('mutation accepts any 2xx body', async () => {
      await client.purchaseFromInventory(e164);
      await target.controls?.setFaults({ rules: [{ operation: 'assignSubAccount', phase: 'after', action: { type: 'respond', status: 200, body: 'OK' } }] });

      await client.assignSubAccount(e164, 'SA_SIMTEAM01');
      expect((await client.findOwnedNumber(e164))?.accountId).toBe('SA_SIMTEAM01');
    });

    it('the envelope error shape parses', async () => {
      await target.controls?.setFaults({
        rules: [
          {
            operation: 'purchase',
            action: {
              type: 'error',
              status: 402,
              body: { status: 'error', error: { code: 'INSUFFICIENT_BALANCE', message: 'Insufficient balance', details: {} }, requestId: 'req-1' },
            },
          },
        ],
      });

      const error = await caught<VobizError>(() => client.purchaseFromInventory(e164));
      expect(error.code).toBe('VOBIZ_INSUFFICIENT_BALANCE');
      expect(error.status).toBe(402);
      expect(error.message).toContain('Insufficient balance');
    });
  });

  describe('observability', () => {
    it('reports hooks per attempt and never logs the token', async () => {
      const lines: string[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(chunk.toString());
          callback();
        },
      });
      const requests: Array<{ operation: string; statusCode: number | 'error' }> = [];
      const waits: string[] = [];
      const observed = target.client({
        logger: pino({ level: 'debug' }, destination),
        hooks: {
          onRequest: (event) => requests.push({ operation: event.operation, statusCode: event.statusCode }),
          onLimiterWait: (event) => waits.push(event.operation),
        },
      });
      await target.controls?.setFaults({ rules: [{ operation: 'getTrunk', times: 1, action: { type: 'drop' } }] });

      await observed.getTrunk(trunkA);
      await caught(() => observed.purchaseFromInventory('+19995550100'));

      expect(requests).toEqual([
        { operation: 'getTrunk', statusCode: 'error' },
        { operation: 'getTrunk', statusCode: 200 },
        { operation: 'purchase', statusCode: 404 },
      ]);
      expect(waits).toEqual(['getTrunk', 'getTrunk', 'purchase']);

      const debugLines = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === 'vobiz request');
      expect(debugLines).toHaveLength(3);
      expect(debugLines[2]).toMatchObject({ operation: 'purchase', method: 'POST', status: 404 });
      expect(typeof debugLines[2]?.['durationMs']).toBe('number');
      expect(lines.join('\n')).not.toContain(target.authToken);
    });
  });
});
