import type { Journal } from './journal.js';

/** What a role gets in its child process. */
export interface RoleContext<P> {
  /** URL of the checker's own Redis server. */
  readonly url: string;
  readonly params: P;
  /** This process's journal: every action is appended to it before it goes on. */
  readonly journal: Journal;
  /** This process's label, e.g. `consumer-2.1` (role, number, incarnation). */
  readonly label: string;
}

/** A role set up and running; `close` is called when the checker asks it to finish. */
export interface RoleRun {
  /** Ends the role cleanly (bounded by the runner). */
  close(): Promise<void>;
  /** Resolves when the role has done all it had to do by itself (a producer's last push). */
  readonly done?: Promise<void>;
}

/** One side of a scenario (a producer, a consumer, a waiter…), run in its own Node process. */
export type Role<P> = (ctx: RoleContext<P>) => Promise<RoleRun>;

/** How the checker tells a child what to run (JSON in the `CHAOS_ROLE` environment variable). */
export interface RoleSpec {
  /** Module path relative to `src/`, e.g. `queue/consumer.ts`. */
  readonly module: string;
  /** Name of the exported {@link Role}. */
  readonly role: string;
  readonly label: string;
  readonly url: string;
  readonly params: unknown;
  /** Path of the journal file. */
  readonly journal: string;
  /** The child exits by itself after this long, whatever happens. */
  readonly lifetimeMs: number;
}

/** Checker → child: finish (close and exit). */
export type ParentMessage = { type: 'finish' };

/** Child → checker. */
export type ChildMessage = { type: 'ready' } | { type: 'done' } | { type: 'error'; message: string };
