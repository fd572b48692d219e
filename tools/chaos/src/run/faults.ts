import type { Entry } from './journal.js';

/** One fault that hit one process (or, for a restart, every process). */
export interface Fault {
  readonly kind: 'kill' | 'crash' | 'stop' | 'client-kill' | 'restart' | 'server-stop';
  /** When it began. */
  readonly t: number;
  /** When it ended (a stopped process continued, a restarted server was back); `t` for instant ones. */
  readonly end: number;
  /** The process it hit; undefined for a server restart or stop (every process). */
  readonly label?: string;
}

/** Every fault of a run, read from the checker's journal (spawns, exits, faults). */
export class FaultTimeline {
  readonly all: readonly Fault[];

  constructor(entries: readonly Entry[]) {
    const faults: Fault[] = [];
    const stops = new Map<string, number>();
    let restartAt: number | undefined;
    let serverStopAt: number | undefined;
    for (const entry of entries) {
      if (entry.proc !== 'checker') continue;
      const label = typeof entry.label === 'string' ? entry.label : undefined;
      if (entry.ev === 'fault' && entry.kind === 'stop' && label) stops.set(label, entry.t);
      else if (entry.ev === 'resume' && label) {
        faults.push({ kind: 'stop', t: stops.get(label) ?? entry.t, end: entry.t, label });
        stops.delete(label);
      } else if (entry.ev === 'fault' && (entry.kind === 'kill' || entry.kind === 'client-kill') && label) {
        faults.push({ kind: entry.kind, t: entry.t, end: entry.t, label });
      } else if (entry.ev === 'exit' && entry.expected === false && label) {
        // A process that died by itself (a crash loop, a failed start): a fault like a kill.
        faults.push({ kind: 'crash', t: entry.t, end: entry.t, label });
      } else if (entry.ev === 'fault' && entry.kind === 'server-stop') serverStopAt = entry.t;
      else if (entry.ev === 'server-resumed' && serverStopAt !== undefined) {
        faults.push({ kind: 'server-stop', t: serverStopAt, end: entry.t });
        serverStopAt = undefined;
      } else if (entry.ev === 'fault' && entry.kind === 'restart') restartAt = entry.t;
      else if (entry.ev === 'restarted' && restartAt !== undefined) {
        faults.push({ kind: 'restart', t: restartAt, end: entry.t });
        restartAt = undefined;
      }
    }
    // A stop still open at the end (the run was cut short) lasts until the end.
    for (const [label, t] of stops) faults.push({ kind: 'stop', t, end: Number.POSITIVE_INFINITY, label });
    if (restartAt !== undefined)
      faults.push({ kind: 'restart', t: restartAt, end: Number.POSITIVE_INFINITY });
    this.all = faults.sort((a, b) => a.t - b.t);
  }

  /** Faults that hit process `label` (restarts included) and overlap [from, to]. */
  of(label: string, from: number, to: number): Fault[] {
    return this.all.filter((f) => (f.label === undefined || f.label === label) && f.end >= from && f.t <= to);
  }

  /** Server restarts and stops overlapping [from, to]: faults that hit every process at once. */
  restarts(from: number, to: number): Fault[] {
    return this.all.filter((f) => f.label === undefined && f.end >= from && f.t <= to);
  }

  /** How many faults of each kind. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const fault of this.all) counts[fault.kind] = (counts[fault.kind] ?? 0) + 1;
    return counts;
  }
}
