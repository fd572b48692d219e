import type { CaseResult } from './cases.js';
import { num, ratioText, type TargetRow } from './report.js';
import { spread } from './stats.js';

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

/**
 * The median over repetitions of `ours / reference`, each repetition's ratio taken against the best
 * of `references` in that same repetition (cases run round-robin, so a repetition's figures were
 * measured minutes apart at most, and machine drift cancels out). `undefined` without a full pair.
 */
export function pairedRatio(
  ours: CaseResult | undefined,
  references: readonly (CaseResult | undefined)[],
  metric: string,
  higherIsBetter = true,
): { ratio: number; reference: Figure } | undefined {
  if (!ours) return undefined;
  const ratios: number[] = [];
  let bestReference: Figure | undefined;
  for (let rep = 0; rep < ours.samples.length; rep++) {
    const value = ours.samples[rep]?.metrics[metric];
    const candidates = references
      .map((ref) =>
        ref ? { label: ref.label, value: ref.samples[rep]?.metrics[metric] ?? Number.NaN } : undefined,
      )
      .filter((f): f is Figure => f !== undefined && Number.isFinite(f.value));
    const reference = best(candidates, higherIsBetter);
    if (value === undefined || !reference) continue;
    ratios.push(value / reference.value);
    bestReference = best([bestReference, reference], higherIsBetter);
  }
  if (ratios.length === 0 || !bestReference) return undefined;
  ratios.sort((a, b) => a - b);
  const mid = Math.floor(ratios.length / 2);
  const ratio = ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return { ratio, reference: bestReference };
}

/**
 * `ours / reference` (median of per-repetition ratios, see {@link pairedRatio}) at least `factor`
 * (throughput), or at most `factor` with `upTo` (costs, latencies).
 */
export function pairedTarget(
  target: string,
  ours: CaseResult | undefined,
  references: readonly (CaseResult | undefined)[],
  metric: string,
  options: { factor: number; unit: string; upTo?: boolean; label?: string },
): TargetRow {
  const { factor, unit, upTo = false } = options;
  const paired = pairedRatio(ours, references, metric, !upTo);
  const oursFigure = figure(ours, metric, options.label);
  return {
    target,
    ...figureCells(oursFigure, paired?.reference, unit, upTo ? 2 : undefined),
    ratio: paired ? `${ratioText(paired.ratio)} (per-round median)` : '–',
    goal: `${upTo ? '≤' : '≥'} ${factor}×`,
    met: paired ? (upTo ? paired.ratio <= factor : paired.ratio >= factor) : undefined,
  };
}

/**
 * Two figures of each repetition of one case, measured side by side in one run (`ours` and
 * `reference` name its metrics), compared per repetition by `ratio` or `difference`: the median of
 * the comparisons, NaN when no repetition has both.
 */
export function perRoundMedian(
  result: CaseResult | undefined,
  ours: string,
  reference: string,
  compare: 'ratio' | 'difference',
): number {
  const values = (result?.samples ?? [])
    .map((sample) => {
      const a = sample.metrics[ours] ?? Number.NaN;
      const b = sample.metrics[reference] ?? Number.NaN;
      return compare === 'ratio' ? a / b : a - b;
    })
    .filter((value) => Number.isFinite(value));
  return spread(values).median;
}

/** What a side-by-side target compares: the case's metrics for each side, and the reference's name. */
export interface SideBySideMetrics {
  readonly ours: string;
  readonly reference: string;
  readonly referenceLabel: string;
}

/** The difference `ours − reference` as table text, e.g. `+0.05`. */
export function differenceText(diff: number, decimals = 2): string {
  return Number.isFinite(diff) ? `${diff >= 0 ? '+' : ''}${diff.toFixed(decimals)}` : '–';
}

/** What a side-by-side target asks: a ratio of at least (or, `upTo`, at most) `factor`, or a difference of at most `margin`. */
export type SideBySideGoal =
  | { readonly factor: number; readonly upTo?: boolean; readonly unit: string }
  | { readonly margin: number; readonly unit: string };

/**
 * A target on two figures of the same case, measured side by side in one run: the median over
 * repetitions of their per-repetition ratio (or, for a `margin`, difference), judged against `goal`.
 */
export function sideBySideTarget(
  target: string,
  result: CaseResult | undefined,
  metrics: SideBySideMetrics,
  goal: SideBySideGoal,
): TargetRow {
  const byMargin = 'margin' in goal;
  const value = perRoundMedian(result, metrics.ours, metrics.reference, byMargin ? 'difference' : 'ratio');
  const judged = Number.isFinite(value);
  const upTo = byMargin || goal.upTo === true;
  const shown = byMargin ? `${differenceText(value)} ${goal.unit}` : ratioText(value);
  return {
    target,
    ...figureCells(
      figure(result, metrics.ours),
      figure(result, metrics.reference, metrics.referenceLabel),
      goal.unit,
      upTo ? 2 : undefined,
    ),
    ratio: judged ? `${shown} (side by side, per-round median)` : '–',
    goal: byMargin ? `≤ +${goal.margin} ${goal.unit}` : `${upTo ? '≤' : '≥'} ${goal.factor}×`,
    met: !judged
      ? undefined
      : byMargin
        ? value <= goal.margin
        : upTo
          ? value <= goal.factor
          : value >= goal.factor,
  };
}
