/**
 * Go-style durations (`time.ParseDuration`), as Kubernetes controllers take them on the
 * command line: a sequence of decimal numbers with units, such as `30s`, `1m30s` or `1.5h`.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?|\.\d+)(?:ns|us|µs|ms|s|m|h)(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ns|us|µs|ms|s|m|h))*$/;
const PART_PATTERN = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;

/** Parses a duration into milliseconds, or returns undefined when `text` is not one. */
export function parseDurationMs(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) {
    return undefined;
  }

  let total = 0;
  for (const match of text.matchAll(PART_PATTERN)) {
    const [, amount = '0', unit = 'ms'] = match;
    total += Number(amount) * (UNIT_MS[unit] ?? 0);
  }
  return total;
}

/** Formats milliseconds as a short duration for help text and logs, for example `1m30s`. */
export function formatDurationMs(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
