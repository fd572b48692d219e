import { compareStreamIds, type StreamDeadLetter } from '@redis-ipc/stream';
import { type Delivery, explainRerun } from '../run/explain.js';
import { FaultTimeline } from '../run/faults.js';
import type { Entry } from '../run/journal.js';
import { stalled } from '../run/stalls.js';
import type { Verdict, Violation } from '../run/verdict.js';
import type { StreamPlan } from './plan.js';

/** What the checker reads after a stream run. */
export interface StreamObservation {
  readonly entries: readonly Entry[];
  readonly deadLetters: readonly StreamDeadLetter[];
  readonly pending: number | undefined;
  readonly settled: boolean;
}

interface Gap {
  readonly after: string;
  readonly before: string | undefined;
}

interface GroupRun extends Delivery {
  readonly d: number;
  done?: number;
  failed?: number;
  late?: number;
}

const ZERO = '0-0';

function covers(gaps: readonly Gap[], id: string): boolean {
  return gaps.some(
    (gap) =>
      compareStreamIds(gap.after, id) < 0 &&
      (gap.before === undefined || compareStreamIds(id, gap.before) < 0),
  );
}

/**
 * Checks a stream run's history:
 *
 * - fan-out readers: each process saw events in strictly increasing order, and every event published
 *   in its span was seen, reported undecodable, or covered by a gap it reported;
 * - the group: every event handled to the end, dead-lettered, or reported (a gap, or trimmed while pending);
 *   every re-run explained by a failure or a fault; undecodable events dead-lettered; nothing pending
 *   at the end; a removed group (`DEL`, `XGROUP DESTROY`) reported by every member that was running.
 */
export function checkStream(plan: StreamPlan, observed: StreamObservation): Verdict {
  const { entries } = observed;
  const faults = new FaultTimeline(entries);
  const violations: Violation[] = [];
  const fail = (rule: string, message: string, history: Entry[]) =>
    violations.push({ rule, message, history: history.sort((a, b) => a.t - b.t) });
  const checker = entries.filter((e) => e.proc === 'checker' && e.ev !== 'spawn');

  // What was published: id → n, in id order.
  const byId = new Map<string, { n: number; garbage: boolean }>();
  for (const e of entries) {
    if (e.ev === 'published') byId.set(e.id as string, { n: e.n as number, garbage: e.garbage === true });
  }
  const published = [...byId.keys()].sort(compareStreamIds);
  const lastPublished = published[published.length - 1] ?? ZERO;
  const go = entries.find((e) => e.proc === 'checker' && e.ev === 'go')?.t ?? 0;
  const spawnedAt = new Map(entries.filter((e) => e.ev === 'spawn').map((e) => [e.label as string, e.t]));
  const cleanExit = new Set(entries.filter((e) => e.ev === 'closed').map((e) => e.proc));
  const removals = entries.filter(
    (e) => e.proc === 'checker' && e.ev === 'fault' && (e.kind === 'delete' || e.kind === 'destroy-group'),
  );
  const idHistory = (id: string) => entries.filter((e) => e.id === id || e.after !== undefined);

  // ---- fan-out readers ----
  let seenTotal = 0;
  let readerGaps = 0;
  const readerProcs = new Set(entries.filter((e) => e.proc.startsWith('reader-')).map((e) => e.proc));
  for (const proc of readerProcs) {
    const own = entries.filter((e) => e.proc === proc);
    const seen = own.filter((e) => e.ev === 'seen').map((e) => e.id as string);
    const gaps: Gap[] = own
      .filter((e) => e.ev === 'gap')
      .map((e) => ({ after: e.after as string, before: e.before as string | undefined }));
    const undecodable = new Set(own.filter((e) => e.ev === 'decode-error').map((e) => e.id as string));
    seenTotal += seen.length;
    readerGaps += gaps.length;
    for (let i = 1; i < seen.length; i += 1) {
      if (compareStreamIds(seen[i - 1]!, seen[i]!) >= 0) {
        fail(
          'order',
          `${proc} saw ${seen[i]} after ${seen[i - 1]}`,
          own.filter((e) => e.id === seen[i] || e.id === seen[i - 1]),
        );
        break;
      }
    }
    const spawned = spawnedAt.get(proc) ?? 0;
    let from: string | undefined = spawned <= go ? ZERO : (seen[0] ?? lastPublished);
    // A respawned reader that saw nothing may have made its first read only after a DEL of the
    // stream: what was published before that is gone before the reader ever looked, and no gap is
    // owed for it. It still owes what was published after the DEL.
    const deletedSince = removals.find((r) => r.kind === 'delete' && r.t >= spawned);
    if (spawned > go && seen.length === 0 && deletedSince) {
      from = entries.find((e) => e.ev === 'published' && e.t > deletedSince.t)?.id as string | undefined;
    }
    if (from === undefined) continue;
    const to = cleanExit.has(proc) ? lastPublished : (seen[seen.length - 1] ?? ZERO);
    const seenSet = new Set(seen);
    const missed = published.filter(
      (id) =>
        compareStreamIds(id, from) >= 0 &&
        compareStreamIds(id, to) <= 0 &&
        !seenSet.has(id) &&
        !undecodable.has(id) &&
        !covers(gaps, id),
    );
    if (missed.length > 0) {
      const sample = missed.slice(0, 5);
      fail(
        'skipped',
        `${proc} skipped ${missed.length} event(s) with no gap report (first: ${sample.map((id) => `${id} #${byId.get(id)?.n}`).join(', ')})`,
        [
          ...own.filter((e) => e.ev === 'gap' || e.ev === 'loop-error'),
          ...checker,
          ...entries.filter((e) => sample.includes(e.id as string) && e.proc.startsWith('publisher')),
        ],
      );
    }
  }

  // ---- the group ----
  const runs = new Map<number, GroupRun[]>();
  const latest = new Map<string, GroupRun>();
  const memberGaps: Gap[] = [];
  const noticed = new Set<string>();
  // Pending events trimmed from the stream before anyone acknowledged them, as the group reported.
  const trimmed = new Set<string>();
  for (const e of entries) {
    if (!e.proc.startsWith('member-')) continue;
    if (e.ev === 'gap') memberGaps.push({ after: e.after as string, before: e.before as string | undefined });
    if (e.ev === 'dead-letter') noticed.add(e.id as string);
    if (e.ev === 'trimmed') for (const id of e.ids as string[]) trimmed.add(id);
    const n = typeof e.n === 'number' ? e.n : undefined;
    if (n === undefined) continue;
    if (e.ev === 'start') {
      const run: GroupRun = { proc: e.proc, start: e.t, d: e.d as number };
      runs.set(n, [...(runs.get(n) ?? []), run]);
      latest.set(`${e.proc}/${n}`, run);
      latest.set(`${e.proc}/${n}/${run.d}`, run);
      continue;
    }
    const run = latest.get(`${e.proc}/${n}/${e.d}`) ?? latest.get(`${e.proc}/${n}`);
    if (!run) continue;
    if (e.ev === 'done') run.done = e.t;
    // A hung handler that returns after all still has its event acknowledged.
    if (e.ev === 'late') {
      run.done ??= e.t;
      run.late = e.t;
    }
    if (e.ev === 'threw' || e.ev === 'failed') run.failed ??= e.t;
  }
  const dead = new Map<string, StreamDeadLetter>(
    observed.deadLetters.map((letter) => [letter.sourceId, letter]),
  );
  const removedAt = removals[0]?.t;
  const memberKills = faults.all.filter((f) => f.kind === 'kill' && f.label?.startsWith('member-')).length;
  let handled = 0;
  let retries = 0;
  let duplicates = 0;
  let deadLettered = 0;
  for (const id of published) {
    const { n, garbage } = byId.get(id)!;
    const list = runs.get(n) ?? [];
    const lettered = dead.has(id) || noticed.has(id);
    if (lettered) deadLettered += 1;
    const history = () => [...entries.filter((e) => e.id === id || e.n === n), ...checker];
    if (removedAt === undefined && !covers(memberGaps, id) && !trimmed.has(id)) {
      if (garbage && !lettered)
        fail('garbage', `undecodable event ${id} (#${n}) was not dead-lettered`, history());
      if (!garbage && !lettered && !list.some((run) => run.done !== undefined)) {
        fail(
          'lost',
          `event ${id} (#${n}) was neither handled to the end, dead-lettered, nor reported in a gap`,
          history(),
        );
      }
    }
    if (list.some((run) => run.done !== undefined)) handled += 1;
    for (const run of list) {
      if (
        run.late !== undefined &&
        run.failed === undefined &&
        !stalled(entries, run.proc, run.start, run.late) &&
        // A copy the member held from before a fault of its own is no longer its to time out.
        faults
          .of(run.proc, run.start - 2 * plan.settings.minIdleMs, run.start)
          .every((f) => f.label === undefined)
      ) {
        fail(
          'time-limit',
          `event ${id} (#${n}) ran past timeoutMs in ${run.proc} with no 'failed' event`,
          history(),
        );
      }
    }
    list.forEach((run, i) => {
      if (i === 0) return;
      const removedBetween = removals.some((r) => r.t >= list[i - 1]!.start && r.t <= run.start);
      const why = removedBetween ? 'fault' : explainRerun(list, i, faults, 2 * plan.settings.minIdleMs);
      if (why === 'retry') retries += 1;
      else duplicates += 1;
      if (why === undefined) {
        fail(
          'unexplained-duplicate',
          `event ${id} (#${n}) ran again in ${run.proc} (run ${i + 1}) with no failure or fault to explain it`,
          history(),
        );
      }
    });
    // Only deliveries that reached a handler count towards maxDeliveries, whatever the faults: a dead
    // letter needs that many starts in the journal. (A member killed between marking an event started
    // and running its handler leaves a start the journal lacks: one per kill.)
    const letter = dead.get(id);
    if (
      letter &&
      !garbage &&
      removedAt === undefined &&
      list.length + memberKills < plan.settings.maxDeliveries
    ) {
      fail(
        'dead-letter',
        `event ${id} (#${n}) was dead-lettered (${letter.reason}) after ${list.length} started deliveries`,
        history(),
      );
    }
  }
  for (const removal of removals) {
    // Every member running when the group went away must say so, not re-create it silently.
    const running = [...spawnedAt.keys()].filter(
      (label) =>
        label.startsWith('member-') &&
        spawnedAt.get(label)! < removal.t &&
        !entries.some((e) => e.ev === 'exit' && e.label === label && e.t < removal.t),
    );
    for (const label of running) {
      const told = entries.some(
        (e) =>
          e.proc === label &&
          e.t >= removal.t &&
          (e.code === 'IPC_GROUP_MISSING' || e.ev === 'process-ended'),
      );
      const died = entries.some(
        (e) => e.ev === 'exit' && e.label === label && e.expected === true && e.t < removal.t + 3000,
      );
      if (!told && !died) {
        fail('group-missing', `${label} never reported that the group was removed (${removal.kind})`, [
          removal,
          ...entries.filter((e) => e.proc === label && e.t >= removal.t).slice(0, 20),
        ]);
      }
    }
  }
  if (removedAt === undefined && observed.pending !== undefined && observed.pending > 0) {
    fail(
      'left-over',
      `${observed.pending} event(s) still pending in the group at the end${observed.settled ? '' : ' (never settled)'}`,
      checker,
    );
  }
  void idHistory;

  return {
    scenario: 'stream',
    seed: plan.seed,
    summary: describeStreamPlan(plan),
    violations,
    stats: {
      events: published.length,
      seen: seenTotal,
      readerGaps,
      handled,
      retries,
      duplicates,
      deadLettered,
      faults: faults.all.length + removals.length,
      ...Object.fromEntries(Object.entries(faults.counts()).map(([kind, count]) => [`fault:${kind}`, count])),
      ...(removals.length > 0 ? { 'fault:removal': removals.length } : {}),
    },
  };
}

/** The plan in one line, for the report. */
export function describeStreamPlan(plan: StreamPlan): string {
  const faults =
    plan.faults.map((f) => `${f.kind}${'target' in f ? `(${f.target})` : ''}@${f.atMs}`).join(' ') || 'none';
  const s = plan.settings;
  return (
    `maxLen ${plan.maxLen ?? 'none'}, ${plan.readers} reader(s), members [${plan.members.join(', ')}], minIdle ${s.minIdleMs} ms, ` +
    `maxDeliveries ${s.maxDeliveries}, timeout ${s.timeoutMs} ms, faults: ${faults}`
  );
}
