/**
 * Flags of `vobiz-operator plan` and their validation.
 */
import { UsageError, parseFlags, stringFlag, stringsFlag, type CommandSpec } from './cli-flags.ts';
import { VOBIZ_FLAGS, resolveVobizAccess, type VobizAccess } from './vobiz-access.ts';

export const PLAN_EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  problems: 3,
} as const;

export const PLAN_COMMAND: CommandSpec = {
  name: 'plan',
  synopsis: '(-f FILE|DIR ... | --from-cluster) [flags]',
  description: [
    'Prints the Vobiz actions the controller would take for PhoneNumber manifests, with the price',
    'of each purchase (setup and monthly fee) and totals per currency. It only reads: it changes',
    'nothing at Vobiz or in the cluster. Invalid manifests are listed with the reason, and the',
    'others are still planned.',
    '',
    'Vobiz credentials come from VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN, or from the files in',
    '--vobiz-credentials-dir, as for `vobiz-operator run`.',
  ],
  flags: {
    filename: {
      type: 'string',
      short: 'f',
      multiple: true,
      value: 'FILE|DIR',
      help: 'Manifest file, folder (its .yaml, .yml and .json files, not recursive) or - for standard input. Repeatable. Manifests given first win a duplicate number.',
    },
    'from-cluster': { type: 'boolean', help: 'Plan the PhoneNumbers stored in the cluster of the kubeconfig instead of files, status included (a recorded cool-off end is honoured).' },
    kubeconfig: { type: 'string', value: 'FILE', help: 'Kubeconfig for --from-cluster. Default $KUBECONFIG, else ~/.kube/config.' },
    namespace: {
      type: 'string',
      short: 'n',
      value: 'NAME',
      help: 'With --from-cluster: plan only this namespace (default all namespaces). With -f: the namespace of manifests that name none (default "default").',
    },
    output: { type: 'string', short: 'o', value: 'text|json', help: 'Output format. json is for CI review: one object with resources, actions, prices and totals. Default text.' },
    ...VOBIZ_FLAGS,
    help: { type: 'boolean', short: 'h', help: 'Print this help and exit.' },
  },
  exitCodes: [
    [PLAN_EXIT.ok, 'the plan was printed and every manifest can converge (this includes "nothing to do")'],
    [PLAN_EXIT.failure, 'the plan could not be made: Vobiz or the cluster could not be read'],
    [PLAN_EXIT.usage, 'usage error: a bad flag or value, a missing file, missing credentials or kubeconfig'],
    [PLAN_EXIT.problems, 'the plan was printed, but some manifests are invalid or cannot converge (DuplicateNumber, NotInInventory, NotOwned, TrunkGroupNotFound, ...)'],
  ],
  epilogue: [
    'Examples:',
    '  vobiz-operator plan -f examples/',
    '  vobiz-operator plan --from-cluster -n telephony --output json > plan.json',
  ],
};

export interface PlanOptions {
  help: boolean;
  files: string[];
  fromCluster: boolean;
  kubeconfig: string | undefined;
  namespace: string | undefined;
  output: 'text' | 'json';
  /** Undefined with --help only. */
  vobiz: VobizAccess | undefined;
}

const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks a namespace name as the API server does (a DNS-1123 label). */
export function checkNamespace(flag: string, namespace: string | undefined): void {
  if (namespace !== undefined && (namespace.length > 63 || !NAMESPACE_PATTERN.test(namespace))) {
    throw new UsageError(`${flag}: invalid namespace ${JSON.stringify(namespace)}; expected a DNS label such as team-a (lower-case letters, digits and "-", at most 63 characters)`);
  }
}

/** Parses and checks the flags of `plan` and resolves the Vobiz credentials; throws `UsageError`. */
export function parsePlanOptions(argv: readonly string[], env: NodeJS.ProcessEnv): PlanOptions {
  const values = parseFlags(PLAN_COMMAND, argv);
  const help = values.help === true;
  const files = stringsFlag(values, 'filename');
  const fromCluster = values['from-cluster'] === true;
  const output = stringFlag(values, 'output') ?? 'text';
  const namespace = stringFlag(values, 'namespace');

  if (!help) {
    if (files.length === 0 && !fromCluster) {
      throw new UsageError('no manifests to plan: pass -f FILE|DIR (repeatable) or --from-cluster');
    }
    if (files.length > 0 && fromCluster) {
      throw new UsageError('-f and --from-cluster exclude each other: plan either manifest files or the cluster\'s PhoneNumbers');
    }
    if (!fromCluster && stringFlag(values, 'kubeconfig') !== undefined) {
      throw new UsageError('--kubeconfig applies only with --from-cluster');
    }
    if (output !== 'text' && output !== 'json') {
      throw new UsageError(`--output: invalid value ${JSON.stringify(output)}; expected text or json`);
    }
    checkNamespace('--namespace', namespace);
  }

  return {
    help,
    files,
    fromCluster,
    kubeconfig: stringFlag(values, 'kubeconfig'),
    namespace,
    output: output as PlanOptions['output'],
    vobiz: help ? undefined : resolveVobizAccess(values, env),
  };
}
