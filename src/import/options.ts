/**
 * Flags of `vobiz-operator import` and their validation.
 */
import { kubeconfigAvailable } from '../manifests/cluster.ts';
import { UsageError, parseFlags, stringFlag, stringsFlag, type CommandSpec } from '../plan/cli-flags.ts';
import { checkNamespace } from '../plan/options.ts';
import { VOBIZ_FLAGS, resolveVobizAccess, type VobizAccess } from '../plan/vobiz-access.ts';

export const IMPORT_EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

export const IMPORT_COMMAND: CommandSpec = {
  name: 'import',
  synopsis: '[--from-cluster | -f FILE|DIR ...] [--namespace NAME] [--output FILE] [flags]',
  description: [
    'Lists the numbers the Vobiz account owns and writes a PhoneNumber manifest for each one that no',
    'PhoneNumber claims: acquisition AdoptOnly (never bought), deletionPolicy Retain (deleting the',
    'resource keeps the number), with the trunk group and sub-account the number has now. Applying',
    'the output brings numbers bought by hand under management without a purchase.',
    '',
    'Claimed numbers are those named by the cluster\'s PhoneNumbers (all namespaces) and by the',
    'manifests given with -f. The cluster is read when --from-cluster is given, or when no -f is given',
    'and a kubeconfig is available; --no-from-cluster turns that off.',
    '',
    'Numbers pending release, and released ones, are skipped with a note on standard error. Vobiz',
    'credentials come from VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN, or from the files in',
    '--vobiz-credentials-dir, as for `vobiz-operator run`.',
  ],
  flags: {
    'from-cluster': {
      type: 'boolean',
      negatable: true,
      help: 'Count the numbers of the cluster\'s PhoneNumbers as claimed. Default: on when no -f is given and a kubeconfig is available.',
    },
    kubeconfig: { type: 'string', value: 'FILE', help: 'Kubeconfig for the cluster. Default $KUBECONFIG, else ~/.kube/config.' },
    filename: {
      type: 'string',
      short: 'f',
      multiple: true,
      value: 'FILE|DIR',
      help: 'Manifests whose numbers count as claimed: a file, a folder (.yaml, .yml, .json), or - for standard input. Repeatable.',
    },
    namespace: {
      type: 'string',
      short: 'n',
      value: 'NAME',
      help: 'Namespace written into the generated PhoneNumbers. Default: none, so kubectl apply uses its current namespace.',
    },
    output: { type: 'string', value: 'FILE', help: 'File to write the manifests to (replaced if it exists). Default standard output.' },
    ...VOBIZ_FLAGS,
    help: { type: 'boolean', short: 'h', help: 'Print this help and exit.' },
  },
  exitCodes: [
    [IMPORT_EXIT.ok, 'the manifests were written (possibly none, when every owned number is claimed)'],
    [IMPORT_EXIT.failure, 'Vobiz or the cluster could not be read, or the output file could not be written'],
    [IMPORT_EXIT.usage, 'usage error: a bad flag or value, a missing file, missing credentials, or no way to tell which numbers are claimed'],
  ],
  epilogue: [
    'Example:',
    '  vobiz-operator import --namespace telephony --output imported.yaml',
    '  vobiz-operator plan -f imported.yaml     # expect: Nothing to do',
    '  kubectl apply -f imported.yaml',
  ],
};

export interface ImportOptions {
  help: boolean;
  files: string[];
  fromCluster: boolean;
  kubeconfig: string | undefined;
  namespace: string | undefined;
  outputFile: string | undefined;
  /** Undefined with --help only. */
  vobiz: VobizAccess | undefined;
}

/** Parses and checks the flags of `import` and resolves the Vobiz credentials; throws `UsageError`. */
export function parseImportOptions(argv: readonly string[], env: NodeJS.ProcessEnv): ImportOptions {
  const values = parseFlags(IMPORT_COMMAND, argv);
  const help = values.help === true;
  const files = stringsFlag(values, 'filename');
  const kubeconfig = stringFlag(values, 'kubeconfig');
  const namespace = stringFlag(values, 'namespace');
  const outputFile = stringFlag(values, 'output');

  const explicit = values['from-cluster'];
  let fromCluster = explicit === true;
  if (!help) {
    checkNamespace('--namespace', namespace);
    if (outputFile === '') {
      throw new UsageError('--output: empty file name; give a file, or leave the flag out to write to standard output');
    }

    if (explicit === undefined && files.length === 0) {
      if (!kubeconfigAvailable(kubeconfig, env)) {
        throw new UsageError(
          'cannot tell which numbers are already claimed: no kubeconfig found. Pass --kubeconfig FILE, or -f with your PhoneNumber manifests, or --no-from-cluster to import every owned number.',
        );
      }
      fromCluster = true;
    }
  }

  return {
    help,
    files,
    fromCluster,
    kubeconfig,
    namespace,
    outputFile,
    vobiz: help ? undefined : resolveVobizAccess(values, env),
  };
}
