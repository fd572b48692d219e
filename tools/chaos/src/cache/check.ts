import { FaultTimeline } from '../run/faults.js';
import type { Entry } from '../run/journal.js';
import { stalled } from '../run/stalls.js';
import type { Verdict, Violation } from '../run/verdict.js';
import type { CachePlan } from './plan.js';

/**
 * Longest a waiter may take to wake once its key holds a value, in ms. Library writes announce
 * themselves and foreign writes are seen through key-space notifications ("right after"); the bound
 * leaves room for a loaded machine, and is far below the 10 s re-check a lost wake-up falls back to.
 */
export const WAKE_BOUND_MS = 2000;
/** How late past its `timeoutMs` a wait may end (timers on a loaded machine), even with Redis down. */
export const WAIT_SLACK_MS = 1500;
/** A value must stay readable this long for a waiter to be expected to see it. */
const HOLD_MS = 300;

/** When key `key` held value `n` for sure: from its write's reply until expiry or the next write began. */
interface Validity {
  readonly key: string;
  readonly n: number;
  readonly from: number;
  readonly to: number;
}

interface Wait {
  readonly proc: string;
  readonly key: string;
  readonly start: number;
  readonly timeoutMs: number;
  end?: number;
  woke?: number;
  code?: string;
  entries: Entry[];
}

interface Load {
  readonly proc: string;
  readonly key: string;
  readonly start: number;
  end: number;
  entries: Entry[];
}

/**
 * Checks a cache run's history:
 *
 * - every `waitFor` that ended with a value got a value some writer wrote to that key;
 * - a wait whose key held a lasting value woke within {@link WAKE_BOUND_MS} of it, and a wait timed out
 *   only when its key held no lasting value early enough (waits hit by a fault are left out);
 * - every wait ends within its `timeoutMs` (plus {@link WAIT_SLACK_MS}), even while Redis is down,
 *   restarting or stopped;
 * - `getOrSet` never ran two loaders of one key at once, unless a fault (a stopped or cut-off
 *   loader, a restart) let the first one's lock lapse.
 */
export function checkCache(plan: CachePlan, entries: readonly Entry[]): Verdict {
  const faults = new FaultTimeline(entries);
  const violations: Violation[] = [];
  const fail = (rule: string, message: string, history: Entry[]) =>
    violations.push({ rule, message, history: history.sort((a, b) => a.t - b.t) });

  // ---- what each key held ----
  const writes = entries.filter((e) => e.ev === 'write');
  const written = new Map<string, number>();
  for (const e of entries) if (e.ev === 'written') written.set(`${e.proc}/${e.n}`, e.t);
  const validity: Validity[] = [];
  for (const write of writes) {
    if (write.op === 'delete') continue;
    const done = written.get(`${write.proc}/${write.n}`);
    if (done === undefined) continue;
    const next = writes.find((w) => w.key === write.key && w.t > write.t);
    const to = Math.min(done + (write.ttlMs as number), next?.t ?? Number.POSITIVE_INFINITY);
    validity.push({ key: write.key as string, n: write.n as number, from: done, to });
  }
  const writtenValues = new Set(writes.filter((w) => w.op !== 'delete').map((w) => `${w.key}/${w.n}`));
  const keyHistory = (key: string, from: number, to: number) =>
    entries.filter(
      (e) => (e.ev === 'write' || e.ev === 'written') && e.key === key && e.t >= from - 2000 && e.t <= to,
    );

  // ---- waits ----
  const waits: Wait[] = [];
  const open = new Map<string, Wait>();
  for (const e of entries) {
    if (e.ev === 'wait') {
      const wait: Wait = {
        proc: e.proc,
        key: e.key as string,
        start: e.t,
        timeoutMs: e.timeoutMs as number,
        entries: [e],
      };
      waits.push(wait);
      open.set(`${e.proc}/${e.w}`, wait);
    } else if (e.ev === 'woke' || e.ev === 'wait-error') {
      const wait = open.get(`${e.proc}/${e.w}`);
      if (!wait) continue;
      wait.end = e.t;
      wait.entries.push(e);
      if (e.ev === 'woke') wait.woke = e.n as number;
      else wait.code = e.code as string;
    }
  }
  let woke = 0;
  let timedOut = 0;
  let checked = 0;
  let maxWakeMs = 0;
  const closedAt = new Map(entries.filter((e) => e.ev === 'closed').map((e) => [e.proc, e.t]));
  for (const wait of waits) {
    // Waits end on time, whatever Redis does (down, restarting, stopped): never a hung promise.
    const bound = wait.start + wait.timeoutMs + WAIT_SLACK_MS;
    const end = wait.end ?? closedAt.get(wait.proc);
    if (
      end !== undefined &&
      end > bound &&
      !faults.of(wait.proc, wait.start, end).some((f) => f.label !== undefined)
    ) {
      if (!stalled(entries, wait.proc, wait.start, end)) {
        const how = wait.end === undefined ? 'had not ended when its process closed' : 'ended';
        fail(
          'wait-overran',
          `${wait.proc}'s wait for ${wait.key} (timeoutMs ${wait.timeoutMs}) ${how} ${end - wait.start} ms after it began`,
          [
            ...wait.entries,
            ...entries.filter(
              (e) => e.proc === 'checker' && e.ev !== 'spawn' && e.t >= wait.start - 10_000 && e.t <= end,
            ),
          ],
        );
      }
    }
    if (wait.end === undefined) continue;
    if (wait.woke !== undefined) {
      woke += 1;
      if (!writtenValues.has(`${wait.key}/${wait.woke}`)) {
        fail(
          'phantom',
          `${wait.proc} woke on ${wait.key} with ${wait.woke}, which nobody wrote there`,
          wait.entries,
        );
      }
    }
    if (wait.code === 'IPC_TIMEOUT') timedOut += 1;
    if (wait.woke === undefined && wait.code !== 'IPC_TIMEOUT') continue;
    // Leave out waits a fault could delay: of this process, or a restart.
    if (faults.of(wait.proc, wait.start - 500, wait.end).length > 0) continue;
    checked += 1;
    const due = dueTime(validity, wait);
    if (due === undefined) continue;
    const late = wait.end - due;
    if (wait.woke !== undefined) maxWakeMs = Math.max(maxWakeMs, late);
    if (wait.woke === undefined && due + WAKE_BOUND_MS <= wait.end) {
      fail(
        'missed-wake',
        `${wait.proc}'s wait for ${wait.key} timed out ${late} ms after the key held a lasting value`,
        [...wait.entries, ...keyHistory(wait.key, wait.start, wait.end)],
      );
    } else if (wait.woke !== undefined && late > WAKE_BOUND_MS) {
      fail(
        'late-wake',
        `${wait.proc}'s wait for ${wait.key} woke ${late} ms after the key held a lasting value`,
        [...wait.entries, ...keyHistory(wait.key, wait.start, wait.end)],
      );
    }
  }

  // ---- getOrSet: one loader per key at a time ----
  const loads: Load[] = [];
  const running = new Map<string, Load>();
  const exits = new Map(entries.filter((e) => e.ev === 'exit').map((e) => [e.label as string, e.t]));
  for (const e of entries) {
    if (e.ev === 'load-start') {
      const load: Load = {
        proc: e.proc,
        key: e.key as string,
        start: e.t,
        end: exits.get(e.proc) ?? Number.POSITIVE_INFINITY,
        entries: [e],
      };
      loads.push(load);
      running.set(`${e.proc}/${e.l}`, load);
    } else if (e.ev === 'load-end' || e.ev === 'load-threw') {
      const load = running.get(`${e.proc}/${e.l}`);
      if (!load) continue;
      load.end = e.t;
      load.entries.push(e);
    }
  }
  let overlaps = 0;
  for (const [i, a] of loads.entries()) {
    for (const b of loads.slice(i + 1)) {
      if (a.key !== b.key || b.start >= a.end || a.start >= b.end) continue;
      const [first, second] = a.start <= b.start ? [a, b] : [b, a];
      overlaps += 1;
      if (faults.of(first.proc, first.start, second.start).length > 0) continue;
      fail(
        'two-loaders',
        `two loaders of ${a.key} ran at once (${first.proc}, ${second.proc}) with no fault to let the lock lapse`,
        [...first.entries, ...second.entries],
      );
    }
  }

  return {
    scenario: `cache/${plan.codec}`,
    seed: plan.seed,
    summary: describeCachePlan(plan),
    violations,
    stats: {
      writes: writes.length,
      waits: waits.length,
      woke,
      timedOut,
      checkedWaits: checked,
      maxWakeMs,
      loads: loads.length,
      overlapsByFaults: overlaps,
      faults: faults.all.length,
      ...Object.fromEntries(Object.entries(faults.counts()).map(([kind, count]) => [`fault:${kind}`, count])),
    },
  };
}

/**
 * When the wait should have had a value at the latest: the first moment, after it began, from which
 * its key held a value for at least {@link HOLD_MS}; undefined when that never happened in time.
 */
function dueTime(validity: readonly Validity[], wait: Wait): number | undefined {
  let due: number | undefined;
  for (const v of validity) {
    if (v.key !== wait.key) continue;
    const from = Math.max(v.from, wait.start);
    if (v.to - from < HOLD_MS || from >= wait.end!) continue;
    due = due === undefined ? from : Math.min(due, from);
  }
  return due;
}

/** The plan in one line, for the report. */
export function describeCachePlan(plan: CachePlan): string {
  const faults =
    plan.faults.map((f) => `${f.kind}${'target' in f ? `(${f.target})` : ''}@${f.atMs}`).join(' ') || 'none';
  return `codec ${plan.codec}, ${plan.keys.length} keys, ${plan.writers.length} writer(s), ${plan.waiters} waiter(s), ${plan.loaders} loader(s), lock ${plan.lockMs} ms, faults: ${faults}`;
}
