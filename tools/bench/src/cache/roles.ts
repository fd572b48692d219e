import { inFlight, msBetween, nowNs, paced, sleep } from '../harness/clock.js';
import { makeTask, type Task } from '../harness/payload.js';
import { LatencyRecorder, type LatencySummary } from '../harness/stats.js';

/** TTL every cache entry gets, in every peer. */
export const TTL_MS = 60_000;
/** Distinct keys the throughput runs cycle through. */
const KEYSPACE = 10_000;

/** Parameters of a set/get throughput client. */
export interface ThroughputParams {
  readonly name: string;
  readonly n: number;
  readonly inFlight: number;
  readonly variant: string;
  /** Sets and as many gets on other keys before the measured part. @default 0 */
  readonly warmUp?: number;
}

/** Operations per second of each phase. */
export interface ThroughputReport {
  readonly setRate: number;
  readonly getRate: number;
}

/**
 * `params.warmUp` sets, then as many gets, on keys the measured part never uses, as many in flight as
 * it will have: JIT compilation is done before the CPU clock starts.
 */
export async function warmUp(
  params: ThroughputParams,
  set: (key: string, value: Task) => Promise<unknown>,
  get: (key: string) => Promise<Task | undefined>,
): Promise<void> {
  const n = params.warmUp ?? 0;
  const key = (i: number) => `warm-${i % KEYSPACE}`;
  await inFlight(n, params.inFlight, (i) => set(key(i), makeTask(i)));
  await inFlight(n, params.inFlight, (i) => get(key(i)));
}

/** `n` sets, then `n` gets of the same keys, `inFlight` at a time; every get must find its value. */
export async function setThenGet(
  params: ThroughputParams,
  set: (key: string, value: Task) => Promise<unknown>,
  get: (key: string) => Promise<Task | undefined>,
): Promise<ThroughputReport> {
  const key = (i: number) => `k${i % KEYSPACE}`;
  const setStart = nowNs();
  await inFlight(params.n, params.inFlight, (i) => set(key(i), makeTask(i)));
  const setEnd = nowNs();
  let missing = 0;
  await inFlight(params.n, params.inFlight, async (i) => {
    const value = await get(key(i));
    if (value === undefined || value === null || typeof value.id !== 'number') missing++;
  });
  const getEnd = nowNs();
  if (missing > 0) throw new Error(`${missing} gets found no value`);
  return {
    setRate: params.n / (msBetween(setStart, setEnd) / 1000),
    getRate: params.n / (msBetween(setEnd, getEnd) / 1000),
  };
}

/** Parameters of the wake-up latency writer and reader. */
export interface WakeParams {
  readonly name: string;
  readonly n: number;
  /** Time between two writes, in ms. */
  readonly spacingMs: number;
  readonly warmup: number;
  readonly variant: string;
}

/** Key number `i` of a wake-up run. */
export function wakeKey(i: number): string {
  return `w${i}`;
}

/**
 * Writes key `i` with a task stamped just before the write, one every `spacingMs`, after giving the
 * reader a moment to start waiting for the first key.
 */
export async function writeSpaced(
  params: WakeParams,
  write: (key: string, task: Task) => Promise<unknown>,
): Promise<{ written: number }> {
  await sleep(50);
  const pending: Promise<unknown>[] = [];
  await paced(params.n, 1000 / params.spacingMs, (i) => {
    pending.push(write(wakeKey(i), makeTask(i)));
  });
  await Promise.all(pending);
  return { written: params.n };
}

/** Waits for key 0, 1, 2… in turn; the latency of each is from its write to the wait resolving. */
export async function readInTurn(
  params: WakeParams,
  waitFor: (key: string) => Promise<Task>,
): Promise<LatencySummary> {
  const [summary] = await readInTurnBySide(params, waitFor, () => 0, 1);
  return summary!;
}

/**
 * {@link readInTurn} with the latencies kept apart by side (`sideOf(key)`, 0 … sides-1), for runs
 * that alternate between two ways of waiting. Each side leaves out its own first tenth as warm-up.
 */
export async function readInTurnBySide(
  params: WakeParams,
  waitFor: (key: string) => Promise<Task>,
  sideOf: (key: string) => number,
  sides: number,
): Promise<LatencySummary[]> {
  const recorders = Array.from(
    { length: sides },
    () => new LatencyRecorder(params.n, Math.ceil(params.warmup / sides)),
  );
  for (let i = 0; i < params.n; i++) {
    const key = wakeKey(i);
    const task = await waitFor(key);
    const now = nowNs();
    if (task.id !== i) throw new Error(`waited for key ${i}, got task ${task.id}`);
    recorders[sideOf(key)]!.add(msBetween(task.sentAt, now));
  }
  return recorders.map((recorder) => recorder.summary());
}
