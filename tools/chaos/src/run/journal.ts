import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';

/** One line of a process's journal: when, what, and the fields of that action. */
export interface Entry {
  /** Wall-clock time in ms (every process of a run shares the machine's clock). */
  readonly t: number;
  /** The action, e.g. `start`, `done`, `push`. */
  readonly ev: string;
  /** The journal it came from: the process label, e.g. `consumer-1.2`. */
  readonly proc: string;
  readonly [field: string]: unknown;
}

/**
 * An append-only log of what one process did, one JSON line per action. Each line is written with a
 * synchronous `write(2)` before the action goes on, so it survives a SIGKILL of the process: the
 * history ends exactly where the process did.
 */
export class Journal {
  readonly #fd: number;

  constructor(readonly path: string) {
    this.#fd = openSync(path, 'a');
  }

  /** Appends one action. */
  write(ev: string, fields: Record<string, unknown> = {}): void {
    writeSync(this.#fd, `${JSON.stringify({ t: Date.now(), ev, ...fields })}\n`);
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** The journal file of process `label` in run directory `dir`. */
export function journalPath(dir: string, label: string): string {
  return join(dir, `${label}.jsonl`);
}

/**
 * Every entry of every journal in `dir`, in time order (ties keep each file's own order). A line cut
 * short by a kill in the middle of a write is skipped.
 */
export function readJournals(dir: string): Entry[] {
  const all: Entry[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.jsonl'))) {
    const proc = basename(file, '.jsonl');
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        all.push({ ...(JSON.parse(line) as { t: number; ev: string }), proc });
      } catch {
        // A torn last line: the process died while writing it.
      }
    }
  }
  return all.sort((a, b) => a.t - b.t);
}
