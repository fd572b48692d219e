import type { Spread } from './stats.js';

/** One section of the report, rendered as markdown. */
export interface SectionReport {
  readonly markdown: string;
  /** Scenario failures (crashes, timeouts, lost tasks): any of these makes the run exit non-zero. */
  readonly failures: readonly string[];
}

/** A markdown table. Numeric-looking columns are right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const numeric = (cell: string) => /^[\d.,×~≤≥+\-–() %a-z/µ]*\d/.test(cell);
  const blank = (cell: string) => cell === '' || cell === '–';
  const align = headers.map((_, col) => {
    const cells = rows.map((row) => row[col] ?? '');
    return cells.some(numeric) && cells.every((cell) => numeric(cell) || blank(cell)) ? '--:' : '---';
  });
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), `|${align.map((a) => a).join('|')}|`, ...rows.map(line)].join('\n');
}

/** `12,345` style, with a sensible number of decimals for small values. */
export function num(value: number, decimals?: number): string {
  if (!Number.isFinite(value)) return '–';
  const digits = decimals ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `median (min–max)`, or just the value when there was one repetition. */
export function spreadText(s: Spread, decimals?: number): string {
  if (s.n === 0) return '–';
  if (s.n === 1) return num(s.median, decimals);
  return `${num(s.median, decimals)} (${num(s.min, decimals)}–${num(s.max, decimals)})`;
}

/** `1.23×`. */
export function ratioText(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '–';
}

/** One target checked against figures of the same run. */
export interface TargetRow {
  readonly target: string;
  readonly ours: string;
  readonly reference: string;
  readonly ratio: string;
  readonly goal: string;
  /** undefined: could not be judged (a figure is missing). */
  readonly met: boolean | undefined;
}

/** The targets table of a section; in --quick mode targets are shown but not judged. */
export function targetsTable(rows: readonly TargetRow[], judge: boolean): string {
  return table(
    ['target', 'ours', 'reference', 'ratio', 'goal', 'result'],
    rows.map((row) => [
      row.target,
      row.ours,
      row.reference,
      row.ratio,
      row.goal,
      !judge
        ? 'not judged (--quick)'
        : row.met === undefined
          ? 'no figure'
          : row.met
            ? '**met**'
            : '**missed**',
    ]),
  );
}

/** The first line of an error text, short enough for a table cell. */
export function firstLine(text: string | undefined): string {
  return (text ?? 'unknown error').split('\n')[0]!.slice(0, 160);
}

/** A table row for a case that produced no sample: its leading cells, the error, blanks to `columns`. */
export function failedRow(lead: readonly string[], error: string | undefined, columns: number): string[] {
  const row = [...lead, `failed: ${firstLine(error)}`];
  while (row.length < columns) row.push('');
  return row;
}
