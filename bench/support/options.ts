/** Command-line options of the benchmark scripts: integers and lists of integers, with defaults. */
import { parseArgs } from 'node:util';

/** Each flag's default, help text, smallest allowed value (default 1), and whether it takes one value only. */
export type IntegerListSpec = Record<string, { default: readonly number[]; help: string; min?: number; single?: boolean }>;

/** Thrown for an invalid command line; the message names the flag, the value and the expected form. */
export class UsageError extends Error {
  readonly code = 'BENCH_USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function parseIntegerList(flag: string, text: string, min: number, single: boolean): number[] {
  const values = text.split(',').map((part) => Number(part.trim()));

  if (text.trim() === '' || values.some((value) => !Number.isInteger(value) || value < min)) {
    const form = single ? `an integer from ${min}` : `integers from ${min} separated by commas, such as 1000,10000`;
    throw new UsageError(`--${flag}: invalid value ${JSON.stringify(text)}; expected ${form}`);
  }
  if (single && values.length > 1) {
    throw new UsageError(`--${flag}: invalid value ${JSON.stringify(text)}; expected one integer, not a list`);
  }
  return values;
}

/** Parses `--name 1,2,3` flags; `--help` prints each flag's help and exits. Throws `UsageError`. */
export function parseIntegerLists<Spec extends IntegerListSpec>(usage: string, spec: Spec, argv: string[] = process.argv.slice(2)): { [Name in keyof Spec]: number[] } {
  const options = Object.fromEntries(Object.keys(spec).map((name) => [name, { type: 'string' as const }]));

  let flagValues: Record<string, string | boolean | undefined>;
  try {
    flagValues = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; run with --help for the flags`);
  }

  if (flagValues.help === true) {
    const lines = Object.entries(spec).map(([name, flag]) => `  --${name} ${flag.single === true ? 'N' : 'LIST'}  ${flag.help} (default ${flag.default.join(',')})`);
    process.stdout.write(`${usage}\n\n${lines.join('\n')}\n`);
    process.exit(0);
  }

  const result: Record<string, number[]> = {};
  for (const [name, flag] of Object.entries(spec)) {
    const text = flagValues[name];
    result[name] = typeof text === 'string' ? parseIntegerList(name, text, flag.min ?? 1, flag.single === true) : [...flag.default];
  }
  return result as { [Name in keyof Spec]: number[] };
}
