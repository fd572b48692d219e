// Imported by fixture processes (no vitest here): `import { bindFixtureLifetime } from '@redis-ipc/testing/fixture'`.

/** Options of {@link bindFixtureLifetime}. */
export interface FixtureLifetimeOptions {
  /**
   * Longest this process may live from now, in ms; past it, it prints why on stderr and exits with
   * code {@link EXIT_LIFETIME_EXCEEDED}.
   * @default the bound spawnNode passed in `REDIS_IPC_FIXTURE_LIFETIME_MS`, else 120000
   */
  maxMs?: number;
}

/** Environment variable through which `spawnNode` passes a fixture's lifetime bound, in ms. */
export const FIXTURE_LIFETIME_ENV = 'REDIS_IPC_FIXTURE_LIFETIME_MS';
/** Exit code of a fixture that outlived its bound. */
export const EXIT_LIFETIME_EXCEEDED = 124;
/** Exit code of a fixture whose parent (the test) went away. */
export const EXIT_PARENT_GONE = 125;

const DEFAULT_MAX_MS = 120_000;
const PARENT_CHECK_MS = 1000;

let deadline = Number.POSITIVE_INFINITY;
let lifetimeTimer: NodeJS.Timeout | undefined;
let watchingParent = false;

/**
 * Binds this process's life to the test that started it: it exits when its parent goes away (the IPC
 * channel `spawnNode` opens closes, or it is re-parented, whatever killed the parent — even SIGKILL)
 * and once `maxMs` has passed, so that no fixture outlives a cancelled or crashed test run. Never
 * keeps the process alive by itself. Calling it again can only shorten the bound. `spawnNode` already
 * binds every child it starts; call it yourself in a fixture started any other way, or for a
 * tighter bound.
 */
export function bindFixtureLifetime(options: FixtureLifetimeOptions = {}): void {
  const maxMs = options.maxMs ?? (Number(process.env[FIXTURE_LIFETIME_ENV]) || DEFAULT_MAX_MS);
  if (!(maxMs > 0)) throw new RangeError(`maxMs must be a positive number of milliseconds, got ${maxMs}`);
  const until = performance.now() + maxMs;
  if (until < deadline) {
    deadline = until;
    clearTimeout(lifetimeTimer);
    lifetimeTimer = setTimeout(() => {
      process.stderr.write(`${process.argv[1] ?? 'fixture'}: still running after ${maxMs} ms, exiting\n`);
      process.exit(EXIT_LIFETIME_EXCEEDED);
    }, maxMs);
    lifetimeTimer.unref();
  }
  watchParent();
}

function watchParent(): void {
  if (watchingParent) return;
  watchingParent = true;
  if (process.send) {
    // Gone already while this process was still starting: the event will not come again.
    if (!process.connected) process.exit(EXIT_PARENT_GONE);
    process.once('disconnect', () => process.exit(EXIT_PARENT_GONE));
    // Listening must not keep a fixture that has finished its work alive.
    process.channel?.unref();
  }
  // Without an IPC channel (or as a second guard): a process whose parent died is re-parented.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(EXIT_PARENT_GONE);
  }, PARENT_CHECK_MS).unref();
}
