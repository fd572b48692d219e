// Roles of the recovery scenario, shared by every peer: a victim that takes tasks and is killed while
// it holds them, and a survivor that must end up running them.
import { setTimeout as delay } from 'node:timers/promises';
import type { Task } from '../harness/payload.js';

/** Parameters of every recovery role. */
export interface RecoveryParams {
  readonly name: string;
  /** Tasks queued before the victim starts. */
  readonly n: number;
  /** Handlers the victim runs at once: the tasks it holds when it is killed. */
  readonly held: number;
}

/** What the victim reports once it holds its tasks (it never finishes them). */
export interface VictimReport {
  readonly held: number[];
}

/** What the survivor reports: when (Unix ms) it finished each task. */
export interface SurvivorReport {
  readonly doneAt: Record<number, number>;
}

/** A handler that never finishes: the process is killed while it runs. */
export function hold(tasks: number[], task: Task): Promise<never> {
  tasks.push(task.id);
  return new Promise<never>(() => {});
}

/** Resolves once `tasks` has `count` entries (checked every 5 ms). */
export async function holding(tasks: number[], count: number): Promise<VictimReport> {
  while (tasks.length < count) await delay(5);
  return { held: [...tasks] };
}

/** Records each task's completion; `done` resolves once all `n` distinct tasks ran. */
export class Completions {
  readonly #doneAt: Record<number, number> = {};
  #count = 0;
  readonly #n: number;
  #finish!: (report: SurvivorReport) => void;
  readonly done = new Promise<SurvivorReport>((resolve) => {
    this.#finish = resolve;
  });

  constructor(n: number) {
    this.#n = n;
  }

  record(task: Task): void {
    if (this.#doneAt[task.id] !== undefined) return;
    this.#doneAt[task.id] = Date.now();
    if (++this.#count === this.#n) this.#finish({ doneAt: this.#doneAt });
  }
}
