/**
 * A wrong Vobiz token: the operator logs one error line that names the auth id and the fix,
 * never the token, and /readyz reports not ready while sweeps fail with 401.
 */
import { Writable } from 'node:stream';

import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { OperatorConfig } from '../../../src/controller/config.ts';
import type { RunningOperator } from '../../../src/controller/manager.ts';
import { createLogger } from '../../../src/log.ts';
import { SimulatorControls, defaultSeed, startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { createTestNamespace, eventually, loadTestKubeConfig } from '../support/kube.ts';
import { installCrd, metricValue, startTestOperator } from './support.ts';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

const WRONG_TOKEN = 'wrong-token-for-credentials-test';

/** Creates a logger that keeps its JSON lines in memory. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: () => LogLine[]; text: () => string } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw.push(chunk.toString('utf8'));
      callback();
    },
  });
  return {
    logger: createLogger({ level: 'info', destination }),
    lines: () => raw.map((line) => JSON.parse(line) as LogLine),
    text: () => raw.join(''),
  };
}

async function readyz(operator: RunningOperator): Promise<{ status: number; body: string }> {
  const response = await fetch(`${operator.httpUrl}/readyz`);
  return { status: response.status, body: await response.text() };
}

describe('rejected Vobiz credentials', () => {
  let kubeConfig: KubeConfig;
  let namespace: { name: string; remove: () => Promise<void> };
  let simulator: RunningSimulator;
  let controls: SimulatorControls;
  let operator: RunningOperator | undefined;

  beforeAll(async () => {
    kubeConfig = loadTestKubeConfig();
    await installCrd(kubeConfig);
    namespace = await createTestNamespace(kubeConfig, 'pn-credentials');
    simulator = await startSimulator({ port: 0, seed: defaultSeed() });
    controls = new SimulatorControls(simulator.url);
  });

  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
    await controls.reset();
  });

  afterAll(async () => {
    await simulator?.close();
    await namespace?.remove();
  });

  it('logs a wrong token once and stays not ready', async () => {
    const capture = capturingLogger();
    const vobiz: OperatorConfig['vobiz'] = { baseUrl: simulator.url, authId: simulator.authId, authToken: WRONG_TOKEN, rateLimit: { requestsPerSecond: 50, burst: 50 } };
    const running = await startTestOperator(kubeConfig, simulator, namespace.name, { vobiz, sweepIntervalMs: 500 }, { logger: capture.logger });
    operator = running;

    await eventually('4 failed sweeps', async () => ((await metricValue(running, 'vobiz_operator_sweeps_total', { result: 'incomplete' })) >= 4 ? true : undefined));
    const ready = await eventually('/readyz to name the 401', async () => {
      const result = await readyz(running);
      return result.body.includes('401') ? result : undefined;
    });

    expect(ready.status).toBe(503);
    expect(ready.body).toBe(`not ready: the last sweep failed: Vobiz rejected the credentials (401 unauthorized) for auth id ${simulator.authId}\n`);

    const rejected = capture.lines().filter((line) => line.msg.startsWith('Vobiz rejected the credentials'));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.level).toBe(50);
    expect(rejected[0]?.msg).toBe(
      `Vobiz rejected the credentials (401 unauthorized) for auth id ${simulator.authId}: check VOBIZ_AUTH_ID/VOBIZ_AUTH_TOKEN or the credentials folder`,
    );
    expect(capture.lines().filter((line) => line.msg.startsWith('sweep incomplete'))).toEqual([]);
    expect(capture.text()).not.toContain(WRONG_TOKEN);
  });

  it('turns not ready while sweeps fail with 401, and back', async () => {
    const capture = capturingLogger();
    const running = await startTestOperator(kubeConfig, simulator, namespace.name, { sweepIntervalMs: 500 }, { logger: capture.logger });
    operator = running;
    await running.ready;
    expect((await readyz(running)).status).toBe(200);

    await controls.setFaults({ rules: [{ operation: 'listNumbers', action: { type: 'error', status: 401, body: { error: 'unauthorized', message: 'invalid credentials' } } }] });
    await eventually('/readyz to fail with 401', async () => ((await readyz(running)).body.includes('401') ? true : undefined));

    await controls.clearFaults();
    await eventually('/readyz to recover', async () => ((await readyz(running)).status === 200 ? true : undefined));

    const messages = capture.lines().map((line) => line.msg).filter((msg) => msg.startsWith('Vobiz '));
    expect(messages).toEqual([
      `Vobiz rejected the credentials (401 unauthorized) for auth id ${simulator.authId}: check VOBIZ_AUTH_ID/VOBIZ_AUTH_TOKEN or the credentials folder`,
      `Vobiz accepted the credentials for auth id ${simulator.authId} again`,
    ]);
  });
});
