/**
 * The client's `userAgent` option reaches the server as the `User-Agent` header, and the
 * simulator's request log records it, so a test can tell apart two clients of one account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SimulatorControls, startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { createVobizClient } from '../../src/vobiz/index.ts';

describe('User-Agent in the request log', () => {
  let simulator: RunningSimulator;
  let controls: SimulatorControls;

  beforeAll(async () => {
    simulator = await startSimulator({ port: 0 });
    controls = new SimulatorControls(simulator.url);
  });

  afterAll(async () => {
    await simulator.close();
  });

  it('records the header of each client', async () => {
    const options = { baseUrl: simulator.url, authId: simulator.authId, authToken: simulator.authToken };
    const first = createVobizClient({ ...options, userAgent: 'vobiz-operator/0.1.0 (replica-a)' });
    const second = createVobizClient({ ...options, userAgent: 'vobiz-operator/0.1.0 (replica-b)' });

    await first.getAccount();
    await second.getAccount();
    await first.close();
    await second.close();

    const entries = await controls.requestLog({ operation: 'getAccount' });
    expect(entries.map((entry) => entry.userAgent)).toEqual(['vobiz-operator/0.1.0 (replica-a)', 'vobiz-operator/0.1.0 (replica-b)']);
  });

  it('sends no identity when the option is absent', async () => {
    await controls.clearRequestLog();
    const client = createVobizClient({ baseUrl: simulator.url, authId: simulator.authId, authToken: simulator.authToken });

    await client.getAccount();
    await client.close();

    const [entry] = await controls.requestLog({ operation: 'getAccount' });
    expect(entry?.userAgent ?? '').not.toContain('vobiz-operator');
  });
});
