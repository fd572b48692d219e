import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

// What this process started and must not leave behind: child processes (redis-servers, fixtures)
// and the temporary folders of its servers.
const children = new Set<ChildProcess>();
const folders = new Set<string>();
let installed = false;

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
const PARENT_CHECK_MS = 1000;

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
// SIGTERM (when it is done with it, on a hook timeout, on cancel). A signal that would end the process
// by its default action therefore reaps first and is then raised again; when someone else listens
// (vitest's main process does, and exits in its own way), the 'exit' handler reaps instead.
function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', reapNow);
  for (const signal of SIGNALS) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      reapNow();
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
  // A forked worker (vitest's) outlives its parent when that one is killed or exits on a signal of its
  // own: it would sit in a hung test for ever, its servers with it. Re-parenting says the parent is
  // gone; polled, so that vitest's IPC channel is left exactly as vitest set it up.
  if (process.send) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid === parent) return;
      reapNow();
      process.exit(1);
    }, PARENT_CHECK_MS).unref();
  }
}
