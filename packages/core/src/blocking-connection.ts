import { randomUUID } from 'node:crypto';
import { sleep } from './internal/timing.js';
import { destroyClient, type RedisClient } from './redis-client.js';

/**
 * How long one blocking command may wait on the server, in the two units Redis commands take: at least
 * 1 ms and at most the client's `blockingSliceMs`, never 0 ("for ever"), so that connections take
 * turns between waiters. A command that returns `null` is simply sent again.
 */
export interface BlockingWait {
  /** Milliseconds, for `XREAD BLOCK` / `XREADGROUP BLOCK`. */
  readonly ms: number;
  /** Seconds (fractional), for `BLMOVE`, `BRPOP`, `BLMPOP`, …. */
  readonly seconds: number;
}

// A command not yet blocked when CLIENT UNBLOCK arrives is retried this many times, this far apart,
// before the connection is replaced instead.
const UNBLOCK_RETRIES = 5;
const UNBLOCK_RETRY_MS = 4;
// An UNBLOCK that takes longer than this means the control connection is in trouble.
const UNBLOCK_TIMEOUT_MS = 250;

// Control connections whose user may not run CLIENT UNBLOCK or CLIENT LIST (a least-privilege ACL
// user, or a managed Redis that disables them). Asking again would only fail again, add an `ACL LOG`
// entry and delay the interrupt, so waits started through them are ended by closing their connection.
const refusedControls = new WeakSet<RedisClient>();

/**
 * Whether `error` is the server refusing a command to the connection's user (`NOPERM`), or refusing
 * it outright (a renamed or disabled command: `ERR unknown command`).
 */
function isRefusal(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('NOPERM') || message.startsWith('ERR unknown command');
}

/**
 * One dedicated connection for blocking commands, so a blocked reader never stalls the shared
 * connection. Its wait can be interrupted from outside: commands not yet written are dropped, and a
 * command blocked on the server is ended with `CLIENT UNBLOCK`, leaving the connection usable. Where
 * the server refuses `CLIENT UNBLOCK` (or `CLIENT LIST`) to the user, the connection is closed instead
 * — and, from then on, at once for every wait whose control connection was refused.
 */
export class BlockingConnection {
  /** The dedicated node-redis connection. */
  readonly redis: RedisClient;
  /** Set when the connection had to be destroyed; the pool then drops it. */
  broken = false;
  readonly #name = `ipc-blocking-${randomUUID()}`;
  #serverId: number | undefined;
  #controller: AbortController | undefined;
  #pending: Promise<unknown> | undefined;
  #connecting: Promise<unknown> = Promise.resolve();

  /** Opens a connection (see {@link BlockingConnection.open}). */
  private constructor(base: RedisClient, onError: (error: unknown) => void) {
    this.redis = base.duplicate({ name: this.#name, commandOptions: { timeout: 0 } }) as RedisClient;
    this.redis.on('error', onError);
    this.redis.on('reconnecting', () => {
      this.#serverId = undefined;
    });
    this.redis.on('ready', () => {
      if (this.#serverId !== undefined) return;
      // After a reconnect: ask ahead of anything queued, so the id is known before a command blocks.
      this.redis
        .asap()
        .clientId()
        .then(
          (id) => {
            this.#serverId = id;
          },
          () => {},
        );
    });
  }

  /**
   * Starts opening a dedicated connection. {@link BlockingConnection.ready} resolves once it is
   * connected and its server-side id is known, so that a wait on it can be ended with `CLIENT UNBLOCK`.
   */
  static open(base: RedisClient, onError: (error: unknown) => void): BlockingConnection {
    const conn = new BlockingConnection(base, onError);
    conn.#connecting = conn.redis.connect();
    conn.ready = conn.#connecting.then(async () => {
      conn.#serverId ??= await conn.redis.clientId();
    });
    return conn;
  }

  /** Resolves when the connection can be used (node-redis retries while Redis is unreachable). */
  ready: Promise<void> = Promise.resolve();

  /** Runs `command` on this connection; {@link BlockingConnection.interrupt} can end it early. */
  async run<T>(
    command: (redis: RedisClient, wait: BlockingWait) => Promise<T>,
    wait: BlockingWait,
  ): Promise<T> {
    const controller = new AbortController();
    this.#controller = controller;
    const pending = command(this.redis.withAbortSignal(controller.signal) as RedisClient, wait);
    this.#pending = pending;
    try {
      return await pending;
    } finally {
      if (this.#controller === controller) {
        this.#controller = undefined;
        this.#pending = undefined;
      }
    }
  }

  /**
   * Ends the running command and resolves once it has settled (with `null`, an abort error, or a value
   * the server had already sent), so that when it resolves the server is no longer waiting on this
   * connection's behalf. The connection stays usable unless it had to be destroyed, in which case
   * {@link BlockingConnection.broken} is set.
   */
  async interrupt(control: RedisClient): Promise<void> {
    const controller = this.#controller;
    const pending = this.#pending;
    if (!controller || !pending) return;
    // Drops the command if node-redis has not written it yet.
    controller.abort();
    // The timers below end once the command has settled, so none outlives this call.
    const timers = new AbortController();
    const pause = (ms: number) => sleep(ms, timers.signal).catch(() => {});
    let settled = false;
    const done = pending.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    // A command node-redis had not written yet is dropped by the abort within a tick.
    await Promise.race([done, pause(0)]);
    for (let attempt = 0; attempt < UNBLOCK_RETRIES && !settled && !this.broken; attempt++) {
      // Without both connections up there is no one to unblock: replace the connection instead.
      if (!control.isReady || !this.redis.isReady || refusedControls.has(control)) break;
      try {
        const id = this.#serverId ?? (await this.#lookUpServerId(control));
        if (id !== undefined) {
          const reply = control.sendCommand(['CLIENT', 'UNBLOCK', String(id)]);
          const unblocked = await Promise.race([reply.then(Number), pause(UNBLOCK_TIMEOUT_MS).then(() => 0)]);
          if (unblocked === 1) break;
        }
      } catch (error) {
        if (isRefusal(error)) refusedControls.add(control);
        break;
      }
      // Not blocked: the reply is on its way, or the command has not reached the server yet.
      await Promise.race([done, pause(UNBLOCK_RETRY_MS)]);
    }
    // A refused UNBLOCK will not become an accepted one: close at once rather than wait for a reply.
    if (!settled && !refusedControls.has(control)) await Promise.race([done, pause(UNBLOCK_RETRY_MS * 5)]);
    if (!settled) {
      this.destroy();
      // The server learns of the close on its own schedule, and until it does the closed connection
      // still waits and can take a value nobody will read. The close was sent before this round trip,
      // so once the reply is back the server has dropped the connection: nothing pushed afterwards
      // can reach it.
      if (control.isReady) {
        await Promise.race([control.sendCommand(['PING']).catch(() => {}), pause(UNBLOCK_TIMEOUT_MS)]);
      }
    }
    await done;
    timers.abort();
  }

  /** Closes the connection at once; a running command rejects. */
  destroy(): void {
    this.broken = true;
    this.#serverId = undefined;
    destroyClient(this.redis, this.#connecting);
  }

  // After a reconnect the id may not be known yet: find it by this connection's unique name.
  async #lookUpServerId(control: RedisClient): Promise<number | undefined> {
    const list = String(await control.sendCommand(['CLIENT', 'LIST', 'TYPE', 'normal']));
    const line = list.split('\n').find((entry) => entry.includes(` name=${this.#name} `));
    const match = line && /(?:^|\s)id=(\d+)/.exec(line);
    return match ? Number(match[1]) : undefined;
  }
}
