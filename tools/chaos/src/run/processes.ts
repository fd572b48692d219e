import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, RoleSpec } from './role.js';

const ENTRY = fileURLToPath(new URL('./child-entry.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 20_000;
const live = new Set<ChildProcess>();

/** How a process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** When the checker saw it end. */
  readonly at: number;
}

/** A role running in its own Node process. */
export interface RoleProcess {
  readonly label: string;
  readonly pid: number;
  /** Resolves when the role is set up; rejects if the process fails or ends first. */
  readonly ready: Promise<void>;
  /** Resolves when the role reports it has done its own work (a producer's last push). */
  readonly done: Promise<void>;
  /** Resolves when the process has ended, however it ended. */
  readonly exited: Promise<Exit>;
  /** Whether the process has ended. */
  readonly gone: boolean;
  /** Asks the role to close and exit. */
  finish(): void;
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT…) if the process still runs. */
  signal(signal: NodeJS.Signals): void;
  /** Asks it to finish, waits up to `graceMs`, then kills it. */
  end(graceMs: number): Promise<Exit>;
  /** The last lines it wrote to stdout and stderr. */
  output(): string;
}

/** Starts `role` of `module` (relative to `src/`) in a new Node process through tsx. */
export function startRole(spec: RoleSpec): RoleProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, CHAOS_ROLE: JSON.stringify(spec) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  live.add(proc);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let gone = false;
  const exited = new Promise<Exit>((resolve) => {
    proc.once('exit', (code, signal) => {
      gone = true;
      live.delete(proc);
      resolve({ code, signal, at: Date.now() });
    });
  });
  const fail = (why: string) => new Error(`${spec.label}: ${why}${output ? `\n${output.trim()}` : ''}`);

  let onReady!: () => void;
  let onDone!: () => void;
  let onError!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onError = reject;
  });
  const done = new Promise<void>((resolve) => {
    onDone = resolve;
  });
  ready.catch(() => {});
  const readyTimer = setTimeout(() => onError(fail('not ready in time')), READY_TIMEOUT_MS);
  proc.on('message', (message: ChildMessage) => {
    if (message.type === 'ready') {
      clearTimeout(readyTimer);
      onReady();
    } else if (message.type === 'done') {
      onDone();
    } else if (message.type === 'error') {
      onError(fail(message.message));
    }
  });
  proc.once('error', (error) => onError(fail(error.message)));
  void exited.then((exit) => {
    clearTimeout(readyTimer);
    onError(fail(`exited (${exit.signal ?? exit.code}) before it was ready`));
    // A process that ends is done with whatever it had to do.
    onDone();
  });

  const signal = (name: NodeJS.Signals) => {
    if (!gone) proc.kill(name);
  };
  return {
    label: spec.label,
    pid: proc.pid ?? -1,
    ready,
    done,
    exited,
    get gone() {
      return gone;
    },
    finish: () => {
      if (proc.connected) proc.send({ type: 'finish' });
    },
    signal,
    end: async (graceMs) => {
      if (!gone) {
        // A stopped process cannot finish.
        signal('SIGCONT');
        if (proc.connected) proc.send({ type: 'finish' });
        const timer = setTimeout(() => signal('SIGKILL'), graceMs);
        const exit = await exited;
        clearTimeout(timer);
        return exit;
      }
      return exited;
    },
    output: () => output,
  };
}

/** Kills every child still running (synchronous: safe in an exit or signal handler). */
export function killAllChildren(): void {
  for (const proc of live) proc.kill('SIGKILL');
  live.clear();
}
