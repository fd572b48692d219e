/** Median, min and max of one figure over the repetitions of a run. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** Median, min and max of `values` (NaN when empty). */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const sorted = [...finite].sort((a, b) => a - b);
  return {
    median: percentileOfSorted(sorted, 50),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    n: sorted.length,
  };
}

/** The `p`th percentile (0–100) of an ascending array, interpolating between neighbours. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const a = sorted[low]!;
  const b = sorted[high]!;
  return a + (b - a) * (rank - low);
}

/** What a child reports about a set of latencies, in milliseconds. */
export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Collects latencies in a preallocated buffer (no allocation per sample on the measured path) and
 * summarises them. The first `skip` samples are warm-up and left out.
 */
export class LatencyRecorder {
  readonly #samples: Float64Array;
  readonly #skip: number;
  #count = 0;

  constructor(capacity: number, skip = 0) {
    this.#samples = new Float64Array(Math.max(1, capacity));
    this.#skip = skip;
  }

  /** Records one latency in milliseconds. */
  add(ms: number): void {
    if (this.#count < this.#samples.length) this.#samples[this.#count] = ms;
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  summary(): LatencySummary {
    const end = Math.min(this.#count, this.#samples.length);
    const kept = this.#samples.slice(Math.min(this.#skip, end), end).sort();
    return {
      n: kept.length,
      p50: percentileOfSorted(kept, 50),
      p99: percentileOfSorted(kept, 99),
      max: kept.length > 0 ? kept[kept.length - 1]! : Number.NaN,
    };
  }
}
