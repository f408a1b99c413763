/**
 * How the CLI writes: results on stdout (JSON with --json, else text for people), everything else
 * (instructions, progress, errors) on stderr, so `warden … --json | jq` always sees clean JSON.
 */

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** A message for the person at the terminal (instructions, warnings): always shown, on stderr. */
export function note(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * Progress of a long operation: one line on stderr, rewritten in place. Only on a terminal: logs
 * and CI output stay free of it.
 */
export class Progress {
  readonly #tty = process.stderr.isTTY === true;
  #shown = false;

  update(text: string): void {
    if (!this.#tty) return;
    process.stderr.write(`\r\x1b[2K${text}`);
    this.#shown = true;
  }

  done(): void {
    if (this.#shown) process.stderr.write('\r\x1b[2K');
    this.#shown = false;
  }
}

export type Row = Record<string, unknown>;
export interface Column {
  key: string;
  title: string;
  /** How a cell is shown; the raw value otherwise. */
  format?: (row: Row) => string;
}

function cell(row: Row, column: Column): string {
  if (column.format) return column.format(row);
  const value = row[column.key];
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Rows as an aligned text table for people. */
export function table(rows: Row[], columns: Column[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(row, c).replace(/\s+/g, ' ')));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)].join('\n');
}

/** RFC 4180 CSV: every field that holds a comma, quote or line break is quoted, quotes doubled. */
export function csv(rows: Row[], columns: Column[]): string {
  const field = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  // Spreadsheet formula injection: a cell starting with = + - @ is taken as a formula by Excel.
  const safe = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
  const lines = [
    columns.map((c) => field(c.title)).join(','),
    ...rows.map((row) => columns.map((c) => field(safe(cell(row, c)))).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
