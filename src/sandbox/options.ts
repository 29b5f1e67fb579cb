/**
 * Flags of `vobiz-operator sandbox` and their validation.
 */
import { parseDurationMs } from '../controller/duration.ts';
import { UsageError, parseFlags, stringFlag, type CommandSpec } from '../plan/cli-flags.ts';
import { checkNamespace } from '../plan/options.ts';
import type { SandboxOptions } from './sandbox.ts';

export const SANDBOX_EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const DEFAULTS = {
  timeout: '5m',
  sweepInterval: '10s',
  logLevel: 'info',
} as const;

export const SANDBOX_COMMAND: CommandSpec = {
  name: 'sandbox',
  synopsis: '[--exit-when-ready [--timeout DURATION]] [--use-existing-cluster [--allow-existing-crd]] [flags]',
  description: [
    'Shows the operator at work with no cluster and no Vobiz account: starts a local control plane',
    '(etcd and kube-apiserver on loopback; the first run builds them from Go modules and prints',
    'progress), the Vobiz simulator with its default seed (300 numbers for sale in US, GB, DE and IN,',
    '2 trunk groups, 2 sub-accounts, balances), installs the CRD, runs the controller, applies',
    'examples/*.yaml and shows the PhoneNumbers converging: a table redrawn in place on a terminal,',
    'one line per change otherwise. It then prints what to try next.',
    '',
    'Everything listens on 127.0.0.1 only. The operator\'s log and the simulator\'s state go to a new',
    'folder under the system temporary folder, removed on exit unless --keep-dir is given or the run',
    'failed. Ctrl-C (SIGINT) or SIGTERM stops the operator, the simulator and the control plane, also',
    'while they start. A second Ctrl-C exits at once: it kills the control plane and, unless --keep-dir',
    'is given, removes the folder.',
  ],
  flags: {
    'exit-when-ready': { type: 'boolean', help: 'Exit once every example is Ready (exit code 0), or when --timeout passes first (exit code 1, with the reasons).' },
    timeout: { type: 'string', value: 'DURATION', help: `With --exit-when-ready: how long to wait for Ready once the examples are applied (a first-run build comes before), such as 90s or 5m. Default ${DEFAULTS.timeout}.` },
    'use-existing-cluster': {
      type: 'boolean',
      help:
        'Use the cluster of the current kubeconfig instead of starting a control plane. The sandbox rejects a cluster that already has the PhoneNumber CRD (exit code 2), ' +
        'because a vobiz-operator running there with real Vobiz credentials would act on the examples too. Otherwise it installs the CRD, applies the examples ' +
        'to a new namespace vobiz-sandbox-<random>, and on exit deletes the examples, that namespace and the CRD again.',
    },
    'allow-existing-crd': {
      type: 'boolean',
      help:
        "With --use-existing-cluster: go ahead although the cluster already has the PhoneNumber CRD. The sandbox replaces it with this checkout's version and " +
        'leaves it in place on exit; a vobiz-operator running in the cluster would act on the examples too, which can buy numbers and charge fees at Vobiz.',
    },
    kubeconfig: { type: 'string', value: 'FILE', help: 'Kubeconfig for --use-existing-cluster. Default $KUBECONFIG, else ~/.kube/config.' },
    namespace: {
      type: 'string',
      short: 'n',
      value: 'NAME',
      help: 'Namespace of the examples; the operator watches only this one. Created if missing, and with --use-existing-cluster deleted on exit if the sandbox created it. Default "default", or a new vobiz-sandbox-<random> with --use-existing-cluster.',
    },
    'simulator-port': { type: 'string', value: 'PORT', help: 'TCP port of the Vobiz simulator on 127.0.0.1; 0 picks a free one. Default 0.' },
    'metrics-port': { type: 'string', value: 'PORT', help: 'TCP port of the operator\'s /metrics, /healthz and /readyz on 127.0.0.1; 0 picks a free one. Default 0.' },
    'sweep-interval': { type: 'string', value: 'DURATION', help: `Time between the operator's sweeps of the Vobiz account. Default ${DEFAULTS.sweepInterval}.` },
    'log-level': { type: 'string', value: 'LEVEL', help: `Level of the operator's log file: ${LOG_LEVELS.join(', ')}. Default ${DEFAULTS.logLevel}.` },
    'keep-dir': { type: 'boolean', help: 'Keep the sandbox folder (logs, simulator state, control plane data) after exit.' },
    help: { type: 'boolean', short: 'h', help: 'Print this help and exit.' },
  },
  exitCodes: [
    [SANDBOX_EXIT.ok, 'stopped by Ctrl-C or SIGTERM, or, with --exit-when-ready, every example became Ready'],
    [SANDBOX_EXIT.failure, 'a part failed to start or stopped working, or, with --exit-when-ready, an example was not Ready before --timeout'],
    [SANDBOX_EXIT.usage, 'usage error: a bad flag or value, or --use-existing-cluster found the PhoneNumber CRD in the cluster without --allow-existing-crd'],
  ],
  epilogue: ['Examples:', '  npm start', '  npm start -- --exit-when-ready --timeout 2m'],
};

export interface SandboxCommandOptions extends Omit<SandboxOptions, 'env'> {
  help: boolean;
  exitWhenReady: boolean;
  timeoutMs: number;
}

function duration(flag: string, text: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(`--${flag}: invalid duration ${JSON.stringify(text)}; expected a positive duration such as 30s, 2m or 1h30m`);
  }
  return ms;
}

function port(flag: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65_535) {
    throw new UsageError(`--${flag}: invalid port ${JSON.stringify(text)}; expected an integer from 0 to 65535 (0 picks a free port)`);
  }
  return value;
}

/** Parses and checks the flags of `sandbox`; throws `UsageError`. */
export function parseSandboxOptions(argv: readonly string[]): SandboxCommandOptions {
  const values = parseFlags(SANDBOX_COMMAND, argv);
  const exitWhenReady = values['exit-when-ready'] === true;
  const useExistingCluster = values['use-existing-cluster'] === true;
  const allowExistingCrd = values['allow-existing-crd'] === true;
  const timeout = stringFlag(values, 'timeout');
  const kubeconfig = stringFlag(values, 'kubeconfig');
  const namespace = stringFlag(values, 'namespace');
  const logLevel = stringFlag(values, 'log-level') ?? DEFAULTS.logLevel;

  if (timeout !== undefined && !exitWhenReady) {
    throw new UsageError('--timeout applies only with --exit-when-ready');
  }
  if (kubeconfig !== undefined && !useExistingCluster) {
    throw new UsageError('--kubeconfig applies only with --use-existing-cluster; without it the sandbox starts its own control plane');
  }
  if (allowExistingCrd && !useExistingCluster) {
    throw new UsageError('--allow-existing-crd applies only with --use-existing-cluster; without it the sandbox starts its own control plane');
  }
  checkNamespace('--namespace', namespace);
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level: invalid value ${JSON.stringify(logLevel)}; expected one of ${LOG_LEVELS.join(', ')}`);
  }

  return {
    help: values.help === true,
    exitWhenReady,
    timeoutMs: duration('timeout', timeout ?? DEFAULTS.timeout),
    useExistingCluster,
    allowExistingCrd,
    kubeconfig,
    namespace,
    simulatorPort: port('simulator-port', stringFlag(values, 'simulator-port')),
    metricsPort: port('metrics-port', stringFlag(values, 'metrics-port')),
    sweepIntervalMs: duration('sweep-interval', stringFlag(values, 'sweep-interval') ?? DEFAULTS.sweepInterval),
    logLevel: logLevel as SandboxOptions['logLevel'],
    keepDir: values['keep-dir'] === true,
  };
}
