/** A printable cell: numbers are formatted by the column, strings printed as is. */
export type Cell = string | number | undefined;

/** Prints an aligned text table with a title; numbers right-aligned. */
export function printTable(title: string, headers: string[], rows: Cell[][], notes: string[] = []): void {
  const text = rows.map((row) => row.map(formatCell));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[], numeric: boolean[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const numericCols = headers.map((_, i) => rows.every((row) => typeof row[i] !== 'string'));
  const out = [
    '',
    `== ${title}`,
    line(headers, numericCols),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map((row) => line(row, numericCols)),
    ...notes.map((n) => `  ${n}`),
  ];
  console.log(out.join('\n'));
}

function formatCell(cell: Cell): string {
  if (cell === undefined) return '-';
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return 'n/a';
  const abs = Math.abs(cell);
  if (abs >= 1000) return Math.round(cell).toLocaleString('en-US');
  if (abs >= 100) return cell.toFixed(0);
  if (abs >= 10) return cell.toFixed(1);
  return cell.toFixed(2);
}
