import type { RedisServer } from '@redis-ipc/testing';
import type { Journal } from './journal.js';

/** What a scenario run gets from the checker. */
export interface RunContext {
  readonly seed: number;
  readonly server: RedisServer;
  /** This run's own directory: the journals of every process. */
  readonly dir: string;
  /** The checker's journal (spawns, exits, faults), in `dir`. */
  readonly journal: Journal;
  /** Runs a command on the checker's admin connection. */
  readonly command: (args: string[]) => Promise<unknown>;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
