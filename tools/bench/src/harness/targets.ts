import type { CaseResult } from './cases.js';
import { num, ratioText, type TargetRow } from './report.js';

/** A figure of one case, for a target row. */
export interface Figure {
  readonly label: string;
  readonly value: number;
}

/** The median of `metric` for a case, or undefined when the case has no sample. */
export function figure(
  result: CaseResult | undefined,
  metric: string,
  label = result?.label,
): Figure | undefined {
  if (!result || result.samples.length === 0) return undefined;
  const value = result.metric(metric).median;
  return Number.isFinite(value) ? { label: label ?? result.label, value } : undefined;
}

/** The best of several figures (the hand-written best among its variants). */
export function best(figures: readonly (Figure | undefined)[], higherIsBetter = true): Figure | undefined {
  const present = figures.filter((f): f is Figure => f !== undefined);
  if (present.length === 0) return undefined;
  return present.reduce((a, b) => ((higherIsBetter ? b.value > a.value : b.value < a.value) ? b : a));
}

// The "ours" and "reference" cells of a target row.
function figureCells(
  ours: Figure | undefined,
  reference: Figure | undefined,
  unit: string,
  decimals?: number,
): Pick<TargetRow, 'ours' | 'reference'> {
  return {
    ours: ours ? `${num(ours.value, decimals)} ${unit}` : '–',
    reference: reference ? `${reference.label}: ${num(reference.value, decimals)}` : '–',
  };
}

// A target on the ratio ours / reference: at least `factor` (throughput), or at most (latency).
function ratioTarget(
  target: string,
  ours: Figure | undefined,
  reference: Figure | undefined,
  factor: number,
  unit: string,
  upTo: boolean,
): TargetRow {
  const ratio = ours && reference ? ours.value / reference.value : Number.NaN;
  return {
    target,
    ...figureCells(ours, reference, unit, upTo ? 2 : undefined),
    ratio: ratioText(ratio),
    goal: `${upTo ? '≤' : '≥'} ${factor}×`,
    met: Number.isFinite(ratio) ? (upTo ? ratio <= factor : ratio >= factor) : undefined,
  };
}

/** `ours ≥ factor × reference` (throughput-like figures). */
export function atLeast(
  target: string,
  ours: Figure | undefined,
  reference: Figure | undefined,
  factor: number,
  unit: string,
): TargetRow {
  return ratioTarget(target, ours, reference, factor, unit, false);
}

/** `ours ≤ factor × reference` (latency-like figures). */
export function atMostTimes(
  target: string,
  ours: Figure | undefined,
  reference: Figure | undefined,
  factor: number,
  unit: string,
): TargetRow {
  return ratioTarget(target, ours, reference, factor, unit, true);
}

/** `ours ≤ reference + margin` (a latency within a fixed margin). */
export function withinMargin(
  target: string,
  ours: Figure | undefined,
  reference: Figure | undefined,
  margin: number,
  unit: string,
): TargetRow {
  const diff = ours && reference ? ours.value - reference.value : Number.NaN;
  return {
    target,
    ...figureCells(ours, reference, unit, 2),
    ratio: Number.isFinite(diff) ? `${diff >= 0 ? '+' : ''}${diff.toFixed(2)} ${unit}` : '–',
    goal: `≤ +${margin} ${unit}`,
    met: Number.isFinite(diff) ? diff <= margin : undefined,
  };
}

/** `ours ≤ limit` (an absolute bound). */
export function atMost(target: string, ours: Figure | undefined, limit: number, unit: string): TargetRow {
  return {
    target,
    ...figureCells(ours, undefined, unit, 2),
    ratio: '–',
    goal: `≤ ${limit} ${unit}`,
    met: ours ? ours.value <= limit : undefined,
  };
}
