/**
 * Shows the status table as it changes. On a terminal it redraws the table in place with ANSI
 * escape codes (cursor up, erase to the end of the screen). Elsewhere, such as in CI logs, it
 * prints one plain line per row that changed.
 */
import { formatStatusLine, renderStatusTable, type StatusRow } from './status-table.ts';

export interface TableOutput {
  write(text: string): unknown;
  /** True on a terminal. */
  isTTY?: boolean;
  /** Terminal width, to count wrapped lines. */
  columns?: number;
}

const CURSOR_UP = (lines: number): string => `\u001b[${lines}A`;
const ERASE_DOWN = '\u001b[J';

export class LiveTable {
  readonly #out: TableOutput;
  readonly #now: () => Date;
  /** Terminal lines the last drawing took, to move back over them. */
  #drawnLines = 0;
  #lastDrawing = '';
  readonly #lastRows = new Map<string, string>();

  constructor(out: TableOutput, now: () => Date = () => new Date()) {
    this.#out = out;
    this.#now = now;
  }

  /** Shows `rows`: redraws the table on a terminal, or prints the rows that changed. */
  update(rows: readonly StatusRow[]): void {
    if (this.#out.isTTY === true) {
      this.#redraw(rows);
    } else {
      this.#printChanges(rows);
    }
  }

  /** Forgets the drawn table, so that text written next is not overwritten by a redraw. */
  detach(): void {
    this.#drawnLines = 0;
    this.#lastDrawing = '';
  }

  #redraw(rows: readonly StatusRow[]): void {
    const lines = renderStatusTable(rows);
    const drawing = lines.join('\n');
    if (drawing === this.#lastDrawing) return;

    // A pseudo-terminal without a size reports 0 columns.
    const columns = this.#out.columns !== undefined && this.#out.columns > 0 ? this.#out.columns : 80;
    const rewind = this.#drawnLines > 0 ? `${CURSOR_UP(this.#drawnLines)}\r${ERASE_DOWN}` : '';
    this.#out.write(`${rewind}${drawing}\n`);

    this.#drawnLines = lines.reduce((total, line) => total + Math.max(1, Math.ceil(line.length / columns)), 0);
    this.#lastDrawing = drawing;
  }

  #printChanges(rows: readonly StatusRow[]): void {
    const now = this.#now();
    for (const row of rows) {
      const key = row.name;
      const line = formatStatusLine(row, now);
      const comparable = line.slice(line.indexOf(' ') + 1);
      if (this.#lastRows.get(key) === comparable) continue;
      this.#lastRows.set(key, comparable);
      this.#out.write(`${line}\n`);
    }
  }
}
