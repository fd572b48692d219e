// Entry point of every child process: runs one exported role of one scenario module.
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Journal } from './journal.js';
import type { ChildMessage, ParentMessage, Role, RoleSpec } from './role.js';

const CLOSE_BOUND_MS = 5000;
const TICK_MS = 50;
// An event loop that did not run for this long is journaled as a stall (CPU starvation or a long
// synchronous stretch), so the checker can tell a late timer from a broken one.
const STALL_MS = 250;

function send(message: ChildMessage): Promise<void> {
  return new Promise((done) => {
    if (!process.send || !process.connected) return done();
    process.send(message, undefined, {}, () => done());
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.env.CHAOS_ROLE ?? 'null') as RoleSpec | null;
  if (!spec) throw new Error('CHAOS_ROLE is not set');
  // Never outlive the checker: no parent, or past the lifetime bound, means exit.
  process.on('disconnect', () => process.exit(2));
  setTimeout(() => process.exit(3), spec.lifetimeMs).unref();

  const journal = new Journal(spec.journal);
  journal.write('process', { pid: process.pid });
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last > STALL_MS) journal.write('stall', { ms: Math.round(now - last - TICK_MS) });
    last = now;
  }, TICK_MS).unref();
  const src = fileURLToPath(new URL('..', import.meta.url));
  const mod = (await import(pathToFileURL(resolve(src, spec.module)).href)) as Record<string, unknown>;
  const role = mod[spec.role] as Role<unknown> | undefined;
  if (typeof role !== 'function') throw new Error(`${spec.module} exports no role ${spec.role}`);

  const run = await role({ url: spec.url, params: spec.params, journal, label: spec.label });
  let finishing = false;
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'finish' || finishing) return;
    finishing = true;
    const bound = new Promise((r) => setTimeout(r, CLOSE_BOUND_MS).unref());
    void Promise.race([run.close().catch(() => {}), bound]).then(() => {
      journal.write('closed');
      process.exit(0);
    });
  });
  run.done?.then(
    () => void send({ type: 'done' }),
    (error: unknown) => void send({ type: 'error', message: String(error) }),
  );
  await send({ type: 'ready' });
}

main().catch(async (error: unknown) => {
  await send({
    type: 'error',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
});
