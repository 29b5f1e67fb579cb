/**
 * `vobiz-operator plan` against the Vobiz simulator seeded with a fixture account, on fixture
 * manifests that cover purchases, moves, problems and invalid manifests. The text is checked
 * in this process; the JSON comes from the CLI as a child process, as CI would run it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runPlan } from '../../../src/plan/command.ts';
import { SimulatorControls, startSimulator, type RunningSimulator, type SimulatorSeed } from '../../../src/simulator/index.ts';

const execFileAsync = promisify(execFile);

const FIXTURES = 'test/fixtures/plan';
const MANIFESTS = `${FIXTURES}/manifests`;
const seed = JSON.parse(readFileSync(`${FIXTURES}/seed.json`, 'utf8')) as SimulatorSeed;
const expectedJson = JSON.parse(readFileSync(`${FIXTURES}/expected-plan.json`, 'utf8')) as Record<string, unknown>;
const CREDENTIALS = { VOBIZ_AUTH_ID: seed.account.authId, VOBIZ_AUTH_TOKEN: seed.account.authToken };
const MUTATIONS = ['purchase', 'release', 'cancelRelease', 'assignTrunk', 'unassignTrunk', 'assignSubAccount', 'unassignSubAccount'];

async function planInProcess(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runPlan(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: CREDENTIALS,
  });
  return { code, stdout, stderr };
}

describe('plan on the fixture account', () => {
  let simulator: RunningSimulator;
  let controls: SimulatorControls;

  beforeAll(async () => {
    simulator = await startSimulator({ port: 0, seed });
    controls = new SimulatorControls(simulator.url);
  });

  afterAll(async () => {
    await simulator?.close();
  });

  it('prints the expected actions, problems and totals', async () => {
    const { code, stdout, stderr } = await planInProcess(['-f', MANIFESTS, '--vobiz-url', simulator.url]);

    expect(code).toBe(3);
    expect(stderr).toBe(`vobiz-operator plan: ignored 1 document(s) that are not PhoneNumbers: ConfigMap at ${MANIFESTS}/30-problems.yaml:36\n`);

    expect(stdout).toContain(`Plan for Vobiz account MA_PLANFIXTURE at ${simulator.url} (the account owns 4 numbers).`);
    expect(stdout).toContain(
      [
        `  default/buy-us-team-a  +14155550101  (${MANIFESTS}/10-purchases.yaml:2)`,
        '    - purchase +14155550101  [setup 1.00 USD, monthly 1.15 USD]',
        '    - assign +14155550101 to sub-account SA_FIXTEAMA (Team A)',
        '    - assign +14155550101 to trunk group 5f0c2b1e-8a4d-4c4e-9d1a-3b2f6e7c8d01 (primary)',
      ].join('\n'),
    );
    expect(stdout).toContain('    - purchase +442079460101 in GBP  [setup 1.00 GBP, monthly 1.50 GBP]');
    expect(stdout).toContain('    - purchase +493090182001 in USD  [setup 2.00 EUR, monthly 1.90 EUR]\n    note: CurrencyConversion: ');
    expect(stdout).toContain(
      [
        '    - move +14155550201 off sub-account SA_FIXTEAMA (Team A)',
        '    - assign +14155550201 to sub-account SA_FIXTEAMB (Team B)',
        '    - unassign +14155550201 from trunk group 5f0c2b1e-8a4d-4c4e-9d1a-3b2f6e7c8d01 (primary)',
        '    - assign +14155550201 to trunk group 5f0c2b1e-8a4d-4c4e-9d1a-3b2f6e7c8d02 (backup)',
        '    note: CoolOffPossible: ',
      ].join('\n'),
    );

    expect(stdout).toContain('    - assign +14155550202 to sub-account SA_FIXTEAMA (Team A)\n    problem: TrunkGroupNotFound: Vobiz has no trunk group 99999999-8a4d-4c4e-9d1a-3b2f6e7c8d99');
    expect(stdout).toContain('    problem: DuplicateNumber: PhoneNumber default/buy-us-team-a comes first and already claims +14155550101');
    expect(stdout).toContain('    problem: NotInInventory: +14155559999 cannot be purchased');
    expect(stdout).toContain('    problem: NotOwned: The account does not own +14155550300 and acquisition is AdoptOnly');
    expect(stdout).toContain('    skip: Observe: managementPolicy is Observe');
    expect(stdout).toContain('    skip: Paused: ');
    expect(stdout).toContain(`In sync:\n  default/in-sync  +14155550200  (${MANIFESTS}/20-owned.yaml:2)\n`);

    expect(stdout).toContain(
      [
        'Invalid manifests (not planned):',
        `  ${MANIFESTS}/30-problems.yaml:24  default/no-plus`,
        '    spec.e164: Invalid string: must match pattern /^\\+[1-9][0-9]{1,14}$/',
        `  ${MANIFESTS}/30-problems.yaml:34`,
        '    invalid YAML: unexpected end of the stream within a flow collection',
      ].join('\n'),
    );

    expect(stdout).toContain(
      [
        'Purchases:',
        '  currency  setup  monthly  debited at purchase  available balance',
        '  EUR       2.00   1.90     3.90                 unknown',
        '  GBP       1.00   1.50     2.50                 100.00',
        '  USD       2.00   2.30     4.30                 10.00',
      ].join('\n'),
    );
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('Plan: 4 purchases and 8 other actions on 6 PhoneNumbers; 1 in sync, 0 waiting, 2 skipped, 4 problems, 2 invalid manifests.');
  });

  it('prints JSON from the CLI that parses and matches', async () => {
    const result = await execFileAsync(process.execPath, ['src/cli.ts', 'plan', '-f', MANIFESTS, '--vobiz-url', simulator.url, '--output', 'json'], {
      env: { ...process.env, ...CREDENTIALS },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);

    expect('code' in result ? result.code : 0).toBe(3);
    const json = JSON.parse(result.stdout) as { account: { baseUrl: string }; summary: unknown; totals: unknown };
    expect(json.account.baseUrl).toBe(simulator.url);
    expect(json.summary).toEqual({
      nothingToDo: false,
      purchases: 4,
      actions: 12,
      resources: { change: 5, problem: 4, waiting: 0, skipped: 2, 'in-sync': 1 },
      invalidManifests: 2,
    });
    expect(json.totals).toEqual([
      { currency: 'EUR', setupFee: 2, monthlyFee: 1.9, debitAtPurchase: 3.9 },
      { currency: 'GBP', setupFee: 1, monthlyFee: 1.5, availableBalance: 100, debitAtPurchase: 2.5 },
      { currency: 'USD', setupFee: 2, monthlyFee: 2.3, availableBalance: 10, debitAtPurchase: 4.3 },
    ]);
    expect({ ...json, account: { ...json.account, baseUrl: '<simulator>' } }).toEqual(expectedJson);
  });

  it('changes nothing at Vobiz', async () => {
    await controls.clearRequestLog();
    await planInProcess(['-f', MANIFESTS, '--vobiz-url', simulator.url]);

    const log = await controls.requestLog();
    expect(log.length).toBeGreaterThan(0);
    expect(log.filter((entry) => MUTATIONS.includes(entry.operation))).toEqual([]);
  });

  it('exits 1 with the URL when Vobiz cannot be reached', async () => {
    const { code, stderr } = await planInProcess(['-f', MANIFESTS, '--vobiz-url', 'http://127.0.0.1:9']);

    expect(code).toBe(1);
    expect(stderr).toMatch(/vobiz-operator plan: failed to read the Vobiz account MA_PLANFIXTURE at http:\/\/127\.0\.0\.1:9: VOBIZ_/);
  });
});
