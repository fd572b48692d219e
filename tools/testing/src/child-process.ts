import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { FIXTURE_LIFETIME_ENV } from './fixture.js';
import { reapOnExit } from './process-reaper.js';

/** A Node process started by {@link spawnNode}. */
export interface NodeChild {
  readonly process: ChildProcess;
  /** Every line printed on stdout so far. */
  readonly lines: readonly string[];
  /** Resolves with the first stdout line (past or future) matching `pattern`; rejects after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal and waits for the exit (SIGKILL after `timeoutMs` if needed). */
  kill(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
  /** What it printed on stderr (for failure messages). */
  stderr(): string;
}

/** Options of {@link spawnNode}. */
export interface SpawnNodeOptions {
  /**
   * Command-line arguments after the script.
   * @default []
   */
  args?: string[];
  /**
   * Environment variables added to this process's.
   * @default {}
   */
  env?: Record<string, string>;
  /**
   * Working directory.
   * @default this process's
   */
  cwd?: string;
  /**
   * Longest the child may live, in ms: past it, it exits by itself with code 124 (see
   * `bindFixtureLifetime` in `@redis-ipc/testing/fixture`).
   * @default 120000
   */
  lifetimeMs?: number;
}

const GUARD = new URL('./fixture-guard.ts', import.meta.url).href;

/**
 * Runs a TypeScript (or JavaScript) file in a separate Node process through tsx, as a real peer
 * process would run. The child cannot outlive the test: it is killed when the test process ends (also
 * on SIGTERM, as vitest stops its workers), it exits by itself when the IPC channel to its parent
 * closes (even if the parent was killed with SIGKILL), and it exits after `lifetimeMs`.
 */
export function spawnNode(script: string, options: SpawnNodeOptions = {}): NodeChild {
  const lifetimeMs = options.lifetimeMs ?? 120_000;
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', GUARD, script, ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, [FIXTURE_LIFETIME_ENV]: String(lifetimeMs) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  reapOnExit(proc);
  // The channel is only there to close when this process dies; it must not keep this process alive.
  proc.channel?.unref();
  const lines: string[] = [];
  const watchers = new Set<(line: string) => void>();
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const watcher of watchers) watcher(line);
  });
  let errText = '';
  proc.stderr!.on('data', (chunk: Buffer) => {
    errText = (errText + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });

  return {
    process: proc,
    lines,
    exited,
    stderr: () => errText,
    waitForLine(pattern, timeoutMs = 15_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          watchers.delete(watcher);
        };
        const watcher = (line: string) => {
          if (pattern.test(line)) {
            done();
            resolve(line);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr:\n${errText}`));
        }, timeoutMs);
        watchers.add(watcher);
        exited.then(({ code, signal }) => {
          if (!watchers.has(watcher)) return;
          done();
          reject(
            new Error(`process exited (${code ?? signal}) before printing ${pattern}; stderr:\n${errText}`),
          );
        });
      });
    },
    async kill(signal = 'SIGTERM', timeoutMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
