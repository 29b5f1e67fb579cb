#!/usr/bin/env node
/**
 * Entry point of the `vobiz-operator` command. Each subcommand but `version` lives in its own
 * module and exports `main(argv)`, which returns the process exit code. Modules are loaded
 * lazily, so that `vobiz-operator simulator` does not load the Kubernetes client, for example.
 */

interface Subcommand {
  summary: string;
  load: () => Promise<{ main: (argv: string[]) => Promise<number> }>;
}

const subcommands: Record<string, Subcommand> = {
  run: { summary: 'Run the controller against a Kubernetes cluster and Vobiz.', load: () => import('./controller/command.ts') },
  sandbox: { summary: 'Start a local control plane, the Vobiz simulator and the controller, and apply the examples.', load: () => import('./sandbox/command.ts') },
  plan: { summary: 'Print the Vobiz actions that PhoneNumber manifests would cause, with prices. Changes nothing.', load: () => import('./plan/command.ts') },
  import: { summary: 'Write PhoneNumber manifests for numbers the Vobiz account owns that no resource claims.', load: () => import('./import/command.ts') },
  simulator: { summary: 'Run the local Vobiz simulator (an HTTP server that follows the Vobiz API).', load: () => import('./simulator/command.ts') },
  version: { summary: 'Print the version of vobiz-operator (also --version).', load: async () => ({ main: printVersion }) },
};

/** `vobiz-operator version`: prints `vobiz-operator <version>` from the package.json next to src/ or dist/. */
async function printVersion(argv: string[]): Promise<number> {
  if (argv.length > 0 && !(argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h'))) {
    console.error(`vobiz-operator version: unexpected argument "${argv[0]}"; the command takes none.`);
    return 2;
  }
  if (argv.length === 1) {
    console.log('Usage: vobiz-operator version\n\nPrints the version of vobiz-operator, as in its package.json.');
    return 0;
  }

  const { readOperatorVersion } = await import('./controller/identity.ts');
  try {
    console.log(`vobiz-operator ${readOperatorVersion()}`);
    return 0;
  } catch (error) {
    console.error(`vobiz-operator version: cannot read the version: ${(error as Error).message}`);
    return 1;
  }
}

function usage(): string {
  const width = Math.max(...Object.keys(subcommands).map((name) => name.length));
  const lines = Object.entries(subcommands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return [
    'Usage: vobiz-operator <command> [flags]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'vobiz-operator <command> --help' for the flags of a command.",
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;

  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    return printVersion(rest);
  }

  const command = subcommands[name];
  if (command === undefined) {
    console.error(`vobiz-operator: unknown command "${name}". Expected one of: ${Object.keys(subcommands).join(', ')}.`);
    console.error("Run 'vobiz-operator --help' for usage.");
    return 2;
  }

  const module = await command.load();
  return module.main(rest);
}

process.exitCode = await main(process.argv.slice(2));
