/**
 * The simulator as a program: its state file survives a restart, and the
 * `vobiz-operator simulator` command serves the API and stops on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { defaultSeed, SimulatorControls, startSimulator } from '../../src/simulator/index.ts';
import { createVobizClient } from '../../src/vobiz/index.ts';

const cli = join(import.meta.dirname, '../../src/cli.ts');

describe('simulator process', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'vobiz-sim-'));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('state file survives a restart', async () => {
    const statePath = join(directory, 'state.json');

    const first = await startSimulator({ statePath });
    const firstClient = createVobizClient({ baseUrl: first.url, authId: first.authId, authToken: first.authToken });
    await firstClient.purchaseFromInventory('+14155550100');
    await new SimulatorControls(first.url).advanceClock(3_600);
    const balance = (await firstClient.getBalance('USD')).balance;
    await firstClient.close();
    await first.close();

    const second = await startSimulator({ statePath, seed: defaultSeed({ inventoryPerCountry: 1 }) });
    const secondClient = createVobizClient({ baseUrl: second.url, authId: second.authId, authToken: second.authToken });
    try {
      expect((await secondClient.findOwnedNumber('+14155550100'))?.status).toBe('active');
      expect((await secondClient.getBalance('USD')).balance).toBe(balance);
      expect((await secondClient.searchInventory({ country: 'US' })).total).toBe(74);
      expect(second.state.clockOffsetMs).toBe(3_600_000);
    } finally {
      await secondClient.close();
      await second.close();
    }
  });

  describe('vobiz-operator simulator', () => {
    let child: ChildProcess | undefined;

    afterEach(async () => {
      if (child !== undefined && child.exitCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      child = undefined;
    });

    function run(args: string[]): ChildProcess {
      child = spawn(process.execPath, [cli, 'simulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      return child;
    }

    async function firstLines(process: ChildProcess, count: number): Promise<string[]> {
      let text = '';
      for await (const chunk of process.stdout ?? []) {
        text += String(chunk);
        const lines = text.split('\n');
        if (lines.length > count) return lines.slice(0, count);
      }
      throw new Error(`simulator exited before printing ${count} lines: ${text}`);
    }

    it('serves a seed file and stops on SIGTERM', async () => {
      const seedPath = join(directory, 'seed.json');
      writeFileSync(
        seedPath,
        JSON.stringify({
          account: { authId: 'MA_SEEDED1', authToken: 'seeded-token', role: 'user' },
          balances: { USD: 10 },
          inventory: [{ e164: '+14155550199', country: 'US', setupFee: 1, monthlyFee: 1, currency: 'USD' }],
        }),
      );

      const simulator = run(['--port', '0', '--seed', seedPath, '--log-level', 'warn']);
      const lines = await firstLines(simulator, 4);
      const url = /listening on (\S+)/.exec(lines[0] ?? '')?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[2]).toBe('  VOBIZ_AUTH_ID=MA_SEEDED1');
      expect(lines[3]).toContain('simulator token, not a Vobiz secret');

      const client = createVobizClient({ baseUrl: url ?? '', authId: 'MA_SEEDED1', authToken: 'seeded-token' });
      try {
        expect(await client.getAccount()).toEqual({ authId: 'MA_SEEDED1', role: 'user' });
        expect((await client.searchInventory({})).total).toBe(1);
      } finally {
        await client.close();
      }

      simulator.kill('SIGTERM');
      const [code] = (await once(simulator, 'exit')) as [number | null];
      expect(code).toBe(0);
    });

    it('exits 2 on an invalid port', async () => {
      const simulator = run(['--port', 'eighty']);
      let stderr = '';
      simulator.stderr?.on('data', (chunk) => (stderr += String(chunk)));

      const [code] = (await once(simulator, 'exit')) as [number | null];
      expect(code).toBe(2);
      expect(stderr).toContain('invalid --port "eighty"');
    });

    it('exits 1 on a seed file with an invalid field', async () => {
      const seedPath = join(directory, 'bad-seed.json');
      writeFileSync(seedPath, JSON.stringify({ account: { authId: 'nope', authToken: 't' } }));
      const simulator = run(['--port', '0', '--seed', seedPath]);
      let stderr = '';
      simulator.stderr?.on('data', (chunk) => (stderr += String(chunk)));

      const [code] = (await once(simulator, 'exit')) as [number | null];
      expect(code).toBe(1);
      expect(stderr).toContain('account.authId');
    });
  });
});
