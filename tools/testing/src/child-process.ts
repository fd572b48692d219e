import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

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

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Runs a TypeScript (or JavaScript) file in a separate Node process through tsx, as a real peer
 * process would run. Every child is killed when the test process exits.
 */
export function spawnNode(
  script: string,
  options: { args?: string[]; env?: Record<string, string>; cwd?: string } = {},
): NodeChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
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
      children.delete(proc);
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
