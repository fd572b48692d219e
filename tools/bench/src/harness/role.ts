/** What a role gets in its child process. */
export interface RoleContext<P> {
  /** URL of the benchmark's own Redis server. */
  readonly url: string;
  readonly params: P;
}

/** A role set up and ready: `run` is called when the parent says go. */
export interface RoleRun<R> {
  run(): Promise<R>;
  /** Releases connections; bounded by the runner. */
  close?(): Promise<void>;
}

/**
 * One side of a scenario (a producer, a consumer, a writer, a reader…), run in its own Node process.
 * The factory connects and gets everything ready (a consumer starts waiting for work); the parent
 * then sends go to every side at once.
 */
export type Role<P, R> = (ctx: RoleContext<P>) => Promise<RoleRun<R>>;

/** What the runner adds to a role's own result. */
export interface RoleResult<R> {
  readonly value: R;
  /** CPU time of the process (user + system) between go and the end of `run`, in microseconds. */
  readonly cpuUs: number;
  /** Resident set size when `run` ended, in bytes. */
  readonly rss: number;
}

/** Parent → child: start; then, once every role has reported, close and exit. */
export type ParentMessage = { type: 'go' } | { type: 'finish' };

/** Child → parent. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'result'; result: RoleResult<unknown> }
  | { type: 'error'; message: string };

/** How the parent tells the child what to run (JSON in the BENCH_ROLE environment variable). */
export interface RoleSpec {
  /** Module path relative to `src/`, e.g. `queue/raw-brpop.ts`. */
  readonly module: string;
  /** Name of the exported {@link Role}. */
  readonly role: string;
  readonly url: string;
  readonly params: unknown;
  /** The child gives up (and exits non-zero) after this long. */
  readonly deadlineMs: number;
}
