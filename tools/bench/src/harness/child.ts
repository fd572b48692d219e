import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, RoleResult, RoleSpec } from './role.js';

const RUNNER = fileURLToPath(new URL('./role-runner.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const live = new Set<ChildProcess>();
let profiled = 0;

/** Settings every child shares, set once by main. */
export const childSettings: { cpuProfDir?: string } = {};

/** A role running in its own process. */
export interface RoleProcess<R> {
  readonly label: string;
  /** Resolves when the role is set up and waiting for go. */
  readonly ready: Promise<void>;
  /** Tells the role to start. */
  go(): void;
  /** The role's result; rejects when the child fails, exits early or misses its deadline. */
  readonly result: Promise<RoleResult<R>>;
  /** Lets the role close and exit by itself. */
  finish(): void;
  /** Sends `signal` to the process at once (a fault: SIGKILL, SIGSTOP…). */
  signal(signal: NodeJS.Signals): void;
  /** Waits up to `graceMs` for the process to exit, then ends it (SIGTERM, then SIGKILL). */
  kill(graceMs?: number): Promise<void>;
}

/**
 * Starts `role` of `module` (relative to `src/`) in a new Node process through tsx. Every child is
 * killed when the benchmark exits, whatever the reason.
 */
export function startRole<R>(
  module: string,
  role: string,
  url: string,
  params: unknown,
  deadlineMs: number,
): RoleProcess<R> {
  const label = `${module.replace(/\.ts$/, '')}#${role}`;
  const spec: RoleSpec = { module, role, url, params, deadlineMs };
  const env: Record<string, string> = { BENCH_ROLE: JSON.stringify(spec) };
  if (childSettings.cpuProfDir) {
    const variant = (params as { variant?: unknown } | null)?.variant;
    const tag = `${label}${variant ? `-${String(variant)}` : ''}`.replace(/[^\w.-]+/g, '_');
    env.BENCH_CPU_PROFILE = join(
      childSettings.cpuProfDir,
      `${String(++profiled).padStart(3, '0')}-${tag}.cpuprofile`,
    );
  }
  const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', RUNNER], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  live.add(proc);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      live.delete(proc);
      resolve(code);
    });
  });
  const failure = (why: string) => new Error(`${label}: ${why}${output ? `\n${output.trim()}` : ''}`);

  let onReady!: () => void;
  let onResult!: (result: RoleResult<R>) => void;
  let onError!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onError = reject;
  });
  const result = new Promise<RoleResult<R>>((resolve, reject) => {
    onResult = resolve;
    const previous = onError;
    onError = (error) => {
      previous(error);
      reject(error);
    };
  });
  // Whoever awaits only one of the two must not see an unhandled rejection from the other.
  ready.catch(() => {});
  result.catch(() => {});

  const readyTimer = setTimeout(() => onError(failure('not ready in time')), READY_TIMEOUT_MS);
  const resultTimer = setTimeout(() => onError(failure('no result in time')), deadlineMs + 10_000);
  proc.on('message', (message: ChildMessage) => {
    if (message.type === 'ready') {
      clearTimeout(readyTimer);
      onReady();
    } else if (message.type === 'result') {
      clearTimeout(resultTimer);
      onResult(message.result as RoleResult<R>);
    } else if (message.type === 'error') {
      onError(failure(message.message));
    }
  });
  proc.once('error', (error) => onError(failure(error.message)));
  exited.then((code) => {
    clearTimeout(readyTimer);
    clearTimeout(resultTimer);
    // A no-op if the result came first.
    onError(failure(`exited with ${code} before reporting`));
  });

  return {
    label,
    ready,
    result,
    go: () => {
      if (proc.connected) proc.send({ type: 'go' });
    },
    finish: () => {
      if (proc.connected) proc.send({ type: 'finish' });
    },
    signal: (signal) => {
      proc.kill(signal);
    },
    kill: async (graceMs = 0) => {
      const gone = () => proc.exitCode !== null || proc.signalCode !== null;
      if (!gone() && graceMs > 0) {
        await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
      }
      if (gone()) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Results of {@link runRoles}, one per role, in order. */
export type RoleResults<T extends readonly RoleProcess<unknown>[]> = {
  [K in keyof T]: T[K] extends RoleProcess<infer R> ? RoleResult<R> : never;
};

/**
 * Runs roles as one scenario: waits until every one is ready, calls `beforeGo` (e.g. to read Redis
 * counters), sends go to all at once, collects every result, calls `afterResults` while the roles
 * are still connected but idle, then lets them exit. The processes are always ended, even on failure.
 */
export async function runRoles<T extends readonly RoleProcess<unknown>[]>(
  roles: T,
  hooks: { beforeGo?: () => Promise<void>; afterResults?: () => Promise<void> } = {},
): Promise<RoleResults<T>> {
  let ok = false;
  try {
    await Promise.all(roles.map((role) => role.ready));
    await hooks.beforeGo?.();
    for (const role of roles) role.go();
    const results = (await Promise.all(roles.map((role) => role.result))) as RoleResults<T>;
    await hooks.afterResults?.();
    ok = true;
    return results;
  } finally {
    for (const role of roles) role.finish();
    await Promise.all(roles.map((role) => role.kill(ok ? 1000 : 0)));
  }
}

/** Kills every child still running (synchronous: safe in an exit handler). */
export function killAllChildren(): void {
  for (const proc of live) proc.kill('SIGKILL');
  live.clear();
}
