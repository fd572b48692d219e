import type { DeadLetter, QueueCounts } from '@redis-ipc/queue';
import { explainRerun } from '../run/explain.js';
import { type Fault, FaultTimeline } from '../run/faults.js';
import type { Entry } from '../run/journal.js';
import { stalled } from '../run/stalls.js';
import type { Verdict, Violation } from '../run/verdict.js';
import { type Push, QueueHistory, type Run } from './history.js';
import type { QueuePlan } from './plan.js';

/** What the checker reads after a queue run. */
export interface QueueObservation {
  readonly entries: readonly Entry[];
  readonly counts: QueueCounts;
  readonly deadLetters: readonly DeadLetter[];
  readonly settled: boolean;
}

/**
 * Checks a queue run's complete history against what the queue promises:
 *
 * - every accepted task is handled (at-least-once) or handled at most once (at-most-once), and a task
 *   lost at-most-once is lost only when a fault could have taken it;
 * - every duplicate run is explained: the previous run failed (a retry), or a fault hit a process that
 *   held the task unacknowledged, or the server restarted — never a healthy reader;
 * - `task.deliveries` counts started deliveries exactly (never a delivery that did not start);
 * - a dead letter only for a task started `maxDeliveries` times, or an undecodable item;
 * - a push repeating an id within the dedupe window adds nothing;
 * - nothing is left waiting, delayed or in flight at the end.
 */
export function checkQueue(plan: QueuePlan, observed: QueueObservation): Verdict {
  const history = new QueueHistory(observed.entries, observed.deadLetters);
  const faults = new FaultTimeline(observed.entries);
  const atMostOnce = plan.reader.delivery === 'at-most-once';
  const violations: Violation[] = [];
  const fail = (rule: string, n: number | undefined, message: string, extra: Entry[] = []) => {
    const own = n === undefined ? [] : history.historyOf(n);
    violations.push({ rule, message, history: [...own, ...extra].sort((a, b) => a.t - b.t) });
  };
  const faultEntries = observed.entries.filter((e) => e.proc === 'checker' && e.ev !== 'spawn');
  let duplicates = 0;
  let explainedByFault = 0;
  let retries = 0;
  let lostToFaults = 0;
  let deadLettered = 0;

  for (const push of history.pushes.values()) {
    const n = push.n;
    const runs = history.runs.get(n) ?? [];
    const dead = history.dead.get(n) ?? [];
    if (push.garbage !== undefined) {
      if (dead.length !== 1)
        fail('garbage', n, `undecodable item ${n} has ${dead.length} dead letters (want 1)`);
      continue;
    }
    const expected = expectation(history, push);
    if (expected === 'deduplicated') {
      if (runs.length > 0)
        fail('dedupe', n, `push ${n} repeated the id of push ${push.repeats} within the window but ran`);
      continue;
    }
    if (expected === 'pushed-twice') {
      fail(
        'dedupe',
        n,
        `push ${n} repeated the id of push ${push.repeats} within the window and was added again`,
      );
    }
    if (dead.length > 1) fail('dead-letter', n, `task ${n} was dead-lettered ${dead.length} times`);
    if (dead.length > 0) deadLettered += 1;
    if (atMostOnce) {
      if (runs.length > 1) fail('at-most-once', n, `task ${n} ran ${runs.length} times at-most-once`);
      for (const run of runs) {
        if (run.d !== 1) fail('deliveries', n, `at-most-once task ${n} saw deliveries ${run.d}`);
      }
      if (dead.length > 0)
        fail('dead-letter', n, `at-most-once task ${n} was dead-lettered (${dead[0]?.reason})`);
      if (runs.length === 0 && dead.length === 0 && !push.unknown) {
        if (faults.all.some((f) => f.kind !== 'stop')) lostToFaults += 1;
        else fail('lost', n, `task ${n} never ran, and no fault could have taken it`, faultEntries);
      }
      continue;
    }

    // At-least-once.
    // A late handler that was never failed had its result acked: reported under time-limit.
    const finished = runs.some(
      (run) => run.done !== undefined || (run.late !== undefined && run.failed === undefined),
    );
    if (!finished && dead.length === 0 && !push.unknown) {
      const detail =
        runs.length === 0 ? 'it never started' : `${runs.length} started deliveries, none finished`;
      fail(
        'lost',
        n,
        `task ${n} was accepted but never handled to the end nor dead-lettered (${detail})`,
        faultEntries,
      );
    }
    for (const run of runs) {
      if (
        run.late !== undefined &&
        run.failed === undefined &&
        !stalled(observed.entries, run.proc, run.start, run.late)
      ) {
        fail(
          'time-limit',
          n,
          `task ${n} ran past the worker's timeoutMs in ${run.proc} but was neither failed nor aborted`,
        );
      }
    }
    if (dead.length > 0 && runs.length < plan.reader.maxDeliveries) {
      fail(
        'dead-letter',
        n,
        `task ${n} was dead-lettered (${dead[0]?.reason}, deliveries ${dead[0]?.deliveries}) after ${runs.length} started deliveries; maxDeliveries is ${plan.reader.maxDeliveries}`,
        faultEntries,
      );
    }
    // Under a fault the count may lag (a failure whose nack never landed); it may never run ahead.
    const reasons = runs.map((_, i) =>
      i === 0 ? 'first' : explainRerun(runs, i, faults, 4 * plan.reader.leaseMs),
    );
    const touched =
      reasons.includes('fault') ||
      runs.some((run, i) => {
        const until = runs[i + 1]?.start ?? run.acked ?? Number.POSITIVE_INFINITY;
        return faults.of(run.proc, run.start, until).length > 0;
      });
    runs.forEach((run, i) => {
      if (i === 0) return;
      const why = reasons[i];
      if (why === 'retry') retries += 1;
      else duplicates += 1;
      if (why === 'fault') explainedByFault += 1;
      if (why === undefined) {
        const around = faults.all.filter((f) => f.t <= run.start && f.end >= (runs[0]?.start ?? 0));
        fail(
          'unexplained-duplicate',
          n,
          `task ${n} ran again in ${run.proc} (run ${i + 1}) with no failure or fault to explain it`,
          [...leaseLosses(observed.entries, runs), ...faultEntriesOf(faultEntries, around)],
        );
      }
    });
    runs.forEach((run, i) => {
      if (run.d > i + 1) {
        fail(
          'deliveries',
          n,
          `task ${n} run ${i + 1} saw deliveries ${run.d}: a delivery that never started was counted`,
          faultEntries,
        );
      } else if (!touched && run.d !== i + 1) {
        fail('deliveries', n, `task ${n} run ${i + 1} saw deliveries ${run.d} with no fault in its history`);
      }
    });
  }

  for (const letter of history.strayDead) {
    violations.push({
      rule: 'dead-letter',
      message: `a dead letter belongs to no push of this run: ${JSON.stringify(letter).slice(0, 200)}`,
      history: [],
    });
  }
  const left = observed.counts.waiting + observed.counts.delayed + observed.counts.inFlight;
  if (left > 0) {
    violations.push({
      rule: 'left-over',
      message: `left at the end: ${JSON.stringify(observed.counts)}${observed.settled ? '' : ' (never settled)'}`,
      history: faultEntries,
    });
  }

  const runs = [...history.runs.values()].reduce((sum, list) => sum + list.length, 0);
  const faultCounts = faults.counts();
  return {
    scenario: `queue/${plan.reader.delivery}`,
    seed: plan.seed,
    summary: describePlan(plan),
    violations,
    stats: {
      tasks: [...history.pushes.values()].filter((p) => p.garbage === undefined).length,
      garbage: [...history.pushes.values()].filter((p) => p.garbage !== undefined).length,
      runs,
      retries,
      duplicates,
      explainedByFault,
      lostToFaults,
      deadLettered,
      faults: faults.all.length,
      ...Object.fromEntries(Object.entries(faultCounts).map(([kind, count]) => [`fault:${kind}`, count])),
    },
  };
}

/** The plan in one line, for the report. */
export function describePlan(plan: QueuePlan): string {
  const { reader } = plan;
  const faults = plan.faults.map((f) => `${f.kind}@${f.atMs}`).join(' ') || 'none';
  return (
    `lease ${reader.leaseMs} ms, maxDeliveries ${reader.maxDeliveries}, prefetch ${reader.prefetch}, ` +
    `timeout ${reader.timeoutMs} ms, consumers [${plan.consumers.join(', ')}], ${plan.producers.length} producer(s), faults: ${faults}`
  );
}

/** Whether push `n` should have added a task. */
function expectation(history: QueueHistory, push: Push): 'task' | 'deduplicated' | 'pushed-twice' {
  if (push.repeats === undefined) return 'task';
  const original = history.pushes.get(push.repeats);
  const originalLanded = original !== undefined && !original.unknown && original.pushed !== false;
  if (push.pushed === false) return 'deduplicated';
  if (push.pushed === true) return originalLanded ? 'pushed-twice' : 'task';
  // The API does not say: the original landed, so this one must have been dropped.
  return originalLanded ? 'deduplicated' : 'task';
}

/** `lease-lost` entries of the processes that ran the task. */
function leaseLosses(entries: readonly Entry[], runs: readonly Run[]): Entry[] {
  const procs = new Set(runs.map((run) => run.proc));
  return entries.filter((e) => e.ev === 'lease-lost' && procs.has(e.proc));
}

function faultEntriesOf(entries: readonly Entry[], faults: readonly Fault[]): Entry[] {
  const times = new Set(faults.flatMap((f) => [f.t, f.end]));
  return entries.filter((e) => times.has(e.t));
}
