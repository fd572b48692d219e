import type { RunContext } from './context.js';

/** The server's process id, from `INFO server`. */
async function serverPid(ctx: RunContext): Promise<number> {
  const info = String(await ctx.command(['INFO', 'server']));
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error('INFO server has no process_id');
  return pid;
}

/**
 * Stops the checker's redis-server (SIGSTOP) for `durationMs`, then lets it go on (SIGCONT): a server
 * that hangs without closing a connection. Every client sees its commands wait; timeouts must still
 * fire, and leases measured by the server's clock all look expired when it wakes up.
 */
export async function stopServer(ctx: RunContext, durationMs: number): Promise<void> {
  const pid = await serverPid(ctx);
  ctx.journal.write('fault', { kind: 'server-stop', durationMs });
  process.kill(pid, 'SIGSTOP');
  try {
    await new Promise((r) => setTimeout(r, durationMs));
  } finally {
    process.kill(pid, 'SIGCONT');
    ctx.journal.write('server-resumed');
  }
}
