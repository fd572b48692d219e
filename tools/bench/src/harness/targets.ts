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

/** `ours ≥ factor × reference` (throughput-like figures). */
export function atLeast(
  target: string,
  ours: Figure | undefined,
  reference: Figure | undefined,
  factor: number,
  unit: string,
): TargetRow {
  const ratio = ours && reference ? ours.value / reference.value : Number.NaN;
  return {
    target,
    ours: ours ? `${num(ours.value)} ${unit}` : '–',
    reference: reference ? `${reference.label}: ${num(reference.value)}` : '–',
    ratio: ratioText(ratio),
    goal: `≥ ${factor}×`,
    met: Number.isFinite(ratio) ? ratio >= factor : undefined,
  };
}

/** `ours ≤ factor × reference` (latency-like figures). */
export function atMostTimes(
  target: string,
  ours: Figure | undefined,
  reference: Figure | undefined,
  factor: number,
  unit: string,
): TargetRow {
  const ratio = ours && reference ? ours.value / reference.value : Number.NaN;
  return {
    target,
    ours: ours ? `${num(ours.value, 2)} ${unit}` : '–',
    reference: reference ? `${reference.label}: ${num(reference.value, 2)}` : '–',
    ratio: ratioText(ratio),
    goal: `≤ ${factor}×`,
    met: Number.isFinite(ratio) ? ratio <= factor : undefined,
  };
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
    ours: ours ? `${num(ours.value, 2)} ${unit}` : '–',
    reference: reference ? `${reference.label}: ${num(reference.value, 2)}` : '–',
    ratio: Number.isFinite(diff) ? `${diff >= 0 ? '+' : ''}${diff.toFixed(2)} ${unit}` : '–',
    goal: `≤ +${margin} ${unit}`,
    met: Number.isFinite(diff) ? diff <= margin : undefined,
  };
}

/** `ours ≤ limit` (an absolute bound). */
export function atMost(target: string, ours: Figure | undefined, limit: number, unit: string): TargetRow {
  return {
    target,
    ours: ours ? `${num(ours.value, 2)} ${unit}` : '–',
    reference: '–',
    ratio: '–',
    goal: `≤ ${limit} ${unit}`,
    met: ours ? ours.value <= limit : undefined,
  };
}
