import type { RunContext } from './context.js';

/**
 * Restarts the checker's redis-server on the same port: gracefully (SIGTERM), or as a crash
 * (SIGKILL); with the append-only file synced on every write, nothing acknowledged is lost either way.
 */
export async function restartServer(ctx: RunContext, hard: boolean): Promise<void> {
  ctx.journal.write('fault', { kind: 'restart', hard });
  if (hard) {
    await ctx.server.kill();
    await ctx.server.start();
  } else {
    await ctx.server.restart();
  }
  ctx.journal.write('restarted');
}
