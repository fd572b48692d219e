import type { DeadLetter } from '@redis-ipc/queue';
import type { Entry } from '../run/journal.js';

/** One started delivery of one task: a handler that began, in one process. */
export interface Run {
  readonly proc: string;
  /** `task.deliveries` the handler saw. */
  readonly d: number;
  readonly start: number;
  /** The handler returned normally. */
  done?: number;
  /** The ack resolved (the reader says Redis has it). */
  acked?: number;
  /** The handler threw, timed out, or the worker reported it failed. */
  failed?: number;
  /** A hung handler returned, after its time limit. */
  late?: number;
  /** What the failed-handler event said happened to the task. */
  outcome?: string;
}

/** How a push ended, as the producer saw it. */
export interface Push {
  readonly n: number;
  /** The id the push resolved with. */
  readonly id?: string;
  /** What the push result said (`undefined` when the API does not say). */
  readonly pushed?: boolean;
  /** The earlier push whose id this one repeats. */
  readonly repeats?: number;
  /** A garbage item written with a plain client. */
  readonly garbage?: string;
  /** The push failed with an unknown outcome (connection lost while it was in flight). */
  readonly unknown?: boolean;
}

/** A queue run's history, by task (`n`, unique per push). */
export class QueueHistory {
  /** Every push that resolved (or may have landed), by n. */
  readonly pushes = new Map<number, Push>();
  /** Every started delivery, by n, in start order. */
  readonly runs = new Map<number, Run[]>();
  /** The dead-letter list at the end, by n (garbage items by theirs). */
  readonly dead = new Map<number, DeadLetter[]>();
  /** Dead letters that belong to no push of this run. */
  readonly strayDead: DeadLetter[] = [];

  constructor(
    readonly entries: readonly Entry[],
    deadLetters: readonly DeadLetter[],
  ) {
    const garbage = new Map<string, number>();
    // The latest run of n in each process: later entries of that process about n belong to it.
    const latest = new Map<string, Run>();
    // Entries that say which delivery (`d`) they are about belong to that run of the process.
    const byDelivery = new Map<string, Run>();
    for (const entry of entries) {
      const n = typeof entry.n === 'number' ? entry.n : undefined;
      switch (entry.ev) {
        case 'pushed':
          this.pushes.set(entry.n as number, {
            n: entry.n as number,
            id: entry.id as string,
            pushed: typeof entry.pushed === 'boolean' ? entry.pushed : undefined,
            repeats: typeof entry.repeats === 'number' ? entry.repeats : undefined,
          });
          break;
        case 'garbage':
          this.pushes.set(entry.n as number, { n: entry.n as number, garbage: entry.item as string });
          garbage.set(entry.item as string, entry.n as number);
          break;
        case 'push-error':
          if (entry.unknown === true) {
            for (const m of entry.ns as number[])
              if (!this.pushes.has(m)) this.pushes.set(m, { n: m, unknown: true });
          }
          break;
        case 'start': {
          const run: Run = { proc: entry.proc, d: entry.d as number, start: entry.t };
          const list = this.runs.get(n!) ?? [];
          list.push(run);
          this.runs.set(n!, list);
          latest.set(`${entry.proc}/${n}`, run);
          byDelivery.set(`${entry.proc}/${n}/${run.d}`, run);
          break;
        }
        default: {
          const run =
            n === undefined
              ? undefined
              : (byDelivery.get(`${entry.proc}/${n}/${entry.d}`) ?? latest.get(`${entry.proc}/${n}`));
          if (!run) break;
          if (entry.ev === 'done') run.done = entry.t;
          if (entry.ev === 'acked') run.acked = entry.t;
          if (entry.ev === 'threw') run.failed ??= entry.t;
          if (entry.ev === 'late') run.late = entry.t;
          if (entry.ev === 'aborted' && entry.reason === 'IPC_TIMEOUT') run.failed ??= entry.t;
          if (entry.ev === 'failed') {
            run.failed ??= entry.t;
            run.outcome = entry.outcome as string;
          }
        }
      }
    }
    for (const letter of deadLetters) {
      const n = garbage.get(letter.item) ?? taskNumber(letter.item);
      if (n === undefined) {
        this.strayDead.push(letter);
        continue;
      }
      const list = this.dead.get(n) ?? [];
      list.push(letter);
      this.dead.set(n, list);
    }
  }

  /** Every entry that mentions task `n` (its push, its runs, its failures). */
  historyOf(n: number): Entry[] {
    const own = this.entries.filter(
      (entry) => entry.n === n || (Array.isArray(entry.ns) && (entry.ns as unknown[]).includes(n)),
    );
    // Stalls of the processes that ran it, during its runs: a late timer is not a broken one.
    const runs = this.runs.get(n) ?? [];
    const stalls = this.entries.filter(
      (e) =>
        e.ev === 'stall' &&
        runs.some(
          (run) =>
            run.proc === e.proc &&
            e.t >= run.start &&
            e.t - (e.ms as number) <= (run.acked ?? run.late ?? run.done ?? run.start + 60_000),
        ),
    );
    return [...own, ...stalls].sort((a, b) => a.t - b.t);
  }
}

/** The `n` of a stored item (`{"uuid":…,"content":{"n":…}}`), if it is one of ours. */
function taskNumber(item: string): number | undefined {
  try {
    const parsed = JSON.parse(item) as { content?: { n?: unknown } };
    return typeof parsed.content?.n === 'number' ? parsed.content.n : undefined;
  } catch {
    return undefined;
  }
}
