/** Markdown output of the benchmarks: tables on standard output, progress on standard error. */

/** Renders a GitHub-flavoured Markdown table; numeric-looking columns are right-aligned. */
export function markdownTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const numeric = headers.map((_header, column) => rows.length > 0 && rows.every((row) => /^[\d.,×%~ -]+$/.test(row[column] ?? '')));
  const escape = (cell: string): string => cell.replaceAll('|', '\\|');

  const lines = [
    `| ${headers.map(escape).join(' | ')} |`,
    `|${numeric.map((right) => (right ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** Formats milliseconds with a precision that suits their size: `0`, `4.2 ms`, `180 ms`, `12.34 s`. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1_000).toFixed(ms < 100_000 ? 2 : 1)} s`;
}

/** Formats a ratio as `3.92×`, or `12.5×` from 10 up. */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(ratio < 10 ? 2 : 1)}×`;
}

/** Formats a count with thousands separators. */
export function formatCount(count: number): string {
  return Number.isInteger(count) ? count.toLocaleString('en-US') : count.toFixed(2);
}

/** Writes a progress line to standard error, so standard output keeps only the Markdown. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
