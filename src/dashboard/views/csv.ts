/**
 * A CSV document (RFC 4180 §2): CRLF line ends, a header row, every field holding a comma, a
 * double quote or a line break enclosed in double quotes with its quotes doubled. Cells that a
 * spreadsheet would run as a formula (starting with = + - @, or a tab or CR that some strip
 * first: OWASP "CSV Injection") get a leading apostrophe, so an exported log never executes.
 */
export function csvDocument(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => cells.map((cell) => quoted(neutralised(cell))).join(',');
  return [line(header), ...rows.map(line)].map((l) => `${l}\r\n`).join('');
}

function neutralised(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

function quoted(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}
