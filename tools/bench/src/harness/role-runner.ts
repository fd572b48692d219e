// Entry point of every child process: runs one exported role of one scenario module.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChildMessage, ParentMessage, Role, RoleRun, RoleSpec } from './role.js';

const CLOSE_BOUND_MS = 3000;

function send(message: ChildMessage): Promise<void> {
  return new Promise((done) => {
    if (!process.send) return done();
    process.send(message, undefined, {}, () => done());
  });
}

async function fail(error: unknown): Promise<never> {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  await send({ type: 'error', message });
  process.exit(1);
}

/**
 * With `--cpu-prof DIR` the parent names a file: profile exactly the measured part (from go to the end
 * of `run`), not the start-up. Returns the function that stops and writes the profile.
 */
async function startProfiler(file: string | undefined): Promise<(() => Promise<void>) | undefined> {
  if (!file) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_ROLE ?? 'null') as RoleSpec | null;
  if (!spec) throw new Error('BENCH_ROLE is not set');
  const deadline = setTimeout(
    () => void fail(new Error(`${spec.module}#${spec.role} did not finish within ${spec.deadlineMs} ms`)),
    spec.deadlineMs,
  );
  const src = fileURLToPath(new URL('..', import.meta.url));
  const mod = (await import(pathToFileURL(resolve(src, spec.module)).href)) as Record<string, unknown>;
  const role = mod[spec.role] as Role<unknown, unknown> | undefined;
  if (typeof role !== 'function') throw new Error(`${spec.module} exports no role ${spec.role}`);

  const run: RoleRun<unknown> = await role({ url: spec.url, params: spec.params });
  let resolveGo!: () => void;
  let resolveFinish!: () => void;
  const go = new Promise<void>((r) => {
    resolveGo = r;
  });
  const finish = new Promise<void>((r) => {
    resolveFinish = r;
  });
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'go') resolveGo();
    else if (message.type === 'finish') resolveFinish();
  });
  // Without a parent there is nobody to say go: exit rather than wait for ever.
  process.on('disconnect', () => process.exit(2));
  await send({ type: 'ready' });
  await go;

  const profiler = await startProfiler(process.env.BENCH_CPU_PROFILE);
  const cpuBefore = process.cpuUsage();
  const value = await run.run();
  const cpu = process.cpuUsage(cpuBefore);
  await profiler?.();
  const rss = process.memoryUsage.rss();
  await send({ type: 'result', result: { value, cpuUs: cpu.user + cpu.system, rss } });
  // Stay connected (and quiet) until the parent has read the Redis counters.
  await finish;

  if (run.close) {
    await Promise.race([run.close().catch(() => {}), new Promise((r) => setTimeout(r, CLOSE_BOUND_MS))]);
  }
  clearTimeout(deadline);
  process.exit(0);
}

main().catch(fail);
