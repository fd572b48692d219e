import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

// What this process started and must not leave behind: child processes (redis-servers, fixtures)
// and the temporary folders of its servers.
const children = new Set<ChildProcess>();
const folders = new Set<string>();
let installed = false;

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/** Kills `child` with SIGKILL if this process ends (exit, SIGTERM/SIGINT/SIGHUP) first. */
export function reapOnExit(child: ChildProcess): void {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Removes `folder` if this process ends first; {@link forgetFolder} once it is removed normally. */
export function removeOnExit(folder: string): void {
  install();
  folders.add(folder);
}

/** The folder is gone already: nothing to do for it at exit. */
export function forgetFolder(folder: string): void {
  folders.delete(folder);
}

/** Kills every tracked child and removes every tracked folder, synchronously (safe in any handler). */
export function reapNow(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

// `process.on('exit')` alone does not run when a signal ends the process: vitest stops a worker with
// SIGTERM (after each file, on a hook timeout, on cancel), so the signals are handled too. After
// reaping, the signal is raised again with its default action, unless someone else listens for it
// (vitest's main process does, and exits in its own way).
function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', reapNow);
  for (const signal of SIGNALS) {
    const onSignal = () => {
      reapNow();
      process.off(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
