/**
 * `vobiz-operator simulator`: runs the Vobiz simulator standalone until SIGINT or SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { createLogger } from '../log.ts';
import { parseSimulatorSeed } from './control-routes.ts';
import type { SimulatorSeed } from './seed.ts';
import { defaultSeed } from './seed.ts';
import { startSimulator } from './server.ts';
import { SimulatorHttpError } from './state.ts';

const usage = `Usage: vobiz-operator simulator [--port N] [--host ADDRESS] [--state FILE] [--seed FILE] [--role admin|user]

Runs a local HTTP server that follows the Vobiz phone-number API, with test controls under /__sim/
(see docs/simulator.md). It stops on SIGINT or SIGTERM.

Flags:
  --port N          TCP port to listen on; 0 picks a free port (default 8790)
  --host ADDRESS    address to listen on (default 127.0.0.1)
  --state FILE      JSON state file: loaded at start if it exists, rewritten after every change,
                    so a restarted simulator keeps its numbers
  --seed FILE       JSON seed for the first start (ignored when the state file exists);
                    default: a built-in account with a few hundred numbers for sale
  --role ROLE       role of the built-in account, admin or user (default admin); admin may force
                    a sub-account unassignment during the cool-off
  --log-level LEVEL pino log level; debug logs every request (default info)
  -h, --help        print this help`;

function readSeed(path: string): SimulatorSeed {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read seed file ${path}: ${(error as Error).message}`, { cause: error });
  }

  try {
    return parseSimulatorSeed(json);
  } catch (error) {
    if (error instanceof SimulatorHttpError) throw new Error(`seed file ${path}: ${String(error.body['message'])}`, { cause: error });
    throw error;
  }
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '8790' },
        host: { type: 'string', default: '127.0.0.1' },
        state: { type: 'string' },
        seed: { type: 'string' },
        role: { type: 'string', default: 'admin' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`vobiz-operator simulator: ${(error as Error).message}`);
    console.error("Run 'vobiz-operator simulator --help' for usage.");
    return 2;
  }

  if (values.help) {
    console.log(usage);
    return 0;
  }

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`vobiz-operator simulator: invalid --port ${JSON.stringify(values.port)}: expected an integer from 0 to 65535`);
    return 2;
  }
  if (values.role !== 'admin' && values.role !== 'user') {
    console.error(`vobiz-operator simulator: invalid --role ${JSON.stringify(values.role)}: expected admin or user`);
    return 2;
  }
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const level = levels.find((candidate) => candidate === values['log-level']);
  if (level === undefined) {
    console.error(`vobiz-operator simulator: invalid --log-level ${JSON.stringify(values['log-level'])}: expected one of ${levels.join(', ')}`);
    return 2;
  }

  const logger = createLogger({ level });
  let seed: SimulatorSeed;
  try {
    seed = values.seed === undefined ? defaultSeed({ role: values.role }) : readSeed(values.seed);
  } catch (error) {
    console.error(`vobiz-operator simulator: ${(error as Error).message}`);
    return 1;
  }

  let simulator;
  try {
    simulator = await startSimulator({
      port,
      host: values.host,
      seed,
      logger,
      ...(values.state === undefined ? {} : { statePath: values.state }),
    });
  } catch (error) {
    console.error(`vobiz-operator simulator: failed to start: ${(error as Error).message}`);
    return 1;
  }

  // The simulator's token opens only this local simulator; it is not a Vobiz secret.
  console.log(`Vobiz simulator listening on ${simulator.url}`);
  console.log(`  VOBIZ_BASE_URL=${simulator.url}`);
  console.log(`  VOBIZ_AUTH_ID=${simulator.authId}`);
  console.log(`  VOBIZ_AUTH_TOKEN=${simulator.authToken}   (simulator token, not a Vobiz secret)`);
  console.log(`  test controls: ${simulator.url}/__sim/`);
  if (values.state !== undefined) console.log(`  state file: ${values.state}`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });

  logger.info({ signal }, 'stopping the Vobiz simulator');
  await simulator.close();
  return 0;
}
