/**
 * A plain-text table for a command's summary: the first column left-aligned, the figures right-aligned, two
 * spaces between columns, no trailing spaces; with `rule` (the default), a dashed line under the header.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: { rule?: boolean } = {},
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const rule = options.rule === false ? [] : [widths.map((width) => '-'.repeat(width)).join('  ')];
  return [line(header), ...rule, ...rows.map(line)].join('\n');
}
