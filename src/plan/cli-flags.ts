/**
 * Flag parsing and help text shared by `plan`, `import` and `sandbox`: `node:util` parseArgs in
 * strict mode, a help page generated from the same flag table, and a documented exit-code table.
 */
import { parseArgs } from 'node:util';

/** Thrown for a bad flag or value; the commands print it and exit with code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Accepts `--no-NAME` to turn a boolean off. */
  negatable?: boolean;
  /** Placeholder of the value in the help text, such as `FILE|DIR`. */
  value?: string;
  /** Help text: the setting the flag changes, with its unit and default. */
  help: string;
}

export interface CommandSpec {
  /** The subcommand, such as `plan`. */
  name: string;
  synopsis: string;
  description: string[];
  flags: Record<string, FlagSpec>;
  exitCodes: Array<[number, string]>;
  /** Lines printed after the exit codes, such as examples. */
  epilogue?: string[];
}

export type FlagValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** Wraps `text` at `width` columns, each line prefixed with `indent`. */
function wrap(text: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** Formats the `--help` page of a command. */
export function formatHelp(spec: CommandSpec): string {
  const flagLines = Object.entries(spec.flags).flatMap(([name, flag]) => {
    const names = [flag.short === undefined ? undefined : `-${flag.short}`, `--${name}`].filter((part) => part !== undefined).join(', ');
    const negation = flag.negatable === true ? `, --no-${name}` : '';
    const value = flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : '';
    return [`  ${names}${value}${negation}`, ...wrap(flag.help, '      ')];
  });
  const codeWidth = Math.max(...spec.exitCodes.map(([code]) => String(code).length));
  const exitLines = spec.exitCodes.flatMap(([code, meaning]) => {
    const indent = ' '.repeat(codeWidth + 4);
    const [first = '', ...rest] = wrap(meaning, indent);
    return [`  ${String(code).padEnd(codeWidth)}  ${first.slice(indent.length)}`, ...rest];
  });

  return [
    `Usage: vobiz-operator ${spec.name} ${spec.synopsis}`,
    '',
    ...spec.description,
    '',
    'Flags:',
    ...flagLines,
    '',
    'Exit codes:',
    ...exitLines,
    ...(spec.epilogue === undefined ? [] : ['', ...spec.epilogue]),
  ].join('\n');
}

/** Parses `argv` against the command's flags; throws `UsageError` with the fix in the message. */
export function parseFlags(spec: CommandSpec, argv: readonly string[]): FlagValues {
  const options = Object.fromEntries(
    Object.entries(spec.flags).map(([name, flag]) => [
      name,
      {
        type: flag.type,
        ...(flag.short === undefined ? {} : { short: flag.short }),
        ...(flag.multiple === true ? { multiple: true } : {}),
      },
    ]),
  );
  const negatable = Object.entries(spec.flags).some(([, flag]) => flag.negatable === true);

  let values: FlagValues;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, allowNegative: negatable }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\.$/, '')}. Run 'vobiz-operator ${spec.name} --help' for the flags.`);
  }

  // allowNegative accepts --no-X for every boolean; only the negatable ones may use it.
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (flag.type === 'boolean' && flag.negatable !== true && values[name] === false) {
      throw new UsageError(`Unknown option '--no-${name}'. Run 'vobiz-operator ${spec.name} --help' for the flags.`);
    }
  }
  return values;
}

/** Returns the value of a string flag; parseArgs keeps the last one when the flag is repeated. */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Returns the values of a repeatable string flag. */
export function stringsFlag(values: FlagValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** The output streams and environment of a command; tests pass their own. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Reads standard input, for `-f -`. */
  readStdin?: () => string;
}

/** Returns the `CommandIo` of this process. */
export function processIo(): CommandIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  };
}
