import type { RedisArgument, TypeMapping } from 'redis';
import type { BlockingCommand, BlockingLease } from '../blocking-call.js';
import type { BlockingConnection, BlockingWait } from '../blocking-connection.js';
import type { AcquireOptions, BlockingPool } from '../blocking-pool.js';
import {
  AbortError,
  ConnectionError,
  InvalidArgumentError,
  isIpcError,
  replyWord,
  toIpcError,
  UnavailableError,
} from '../errors.js';
import type { RedisClient } from '../redis-client.js';
import { commandKey } from './command-key.js';

// Replies that mean the key is served elsewhere now, or is moving (MOVED/ASK/TRYAGAIN on a cluster;
// READONLY from a former primary that a failover made a replica).
const REDIRECTS = new Set(['MOVED', 'ASK', 'TRYAGAIN', 'CLUSTERDOWN', 'READONLY']);

/** The blocking connections to one node, and the node's shared connection that ends their waits. */
export interface Lane {
  readonly address: string;
  readonly control: RedisClient;
  readonly pool: BlockingPool;
}

/** Where the lanes of a topology come from: the node serving a key now. */
export interface LaneSource {
  /**
   * True when every key is served by the same node (Sentinel): the connection is taken before the
   * command runs, and the command may use any node-redis method. Otherwise (a cluster) the command
   * must send with `sendCommand(args)`, whose key picks the node.
   */
  readonly keyless: boolean;
  /** True once the blocking connections have been closed for good. */
  readonly closed: boolean;
  /** The lane of the node that serves `key` now; rejects with a transient error while none is reachable. */
  laneFor(key: RedisArgument | undefined): Promise<Lane>;
  /** After a redirect on a blocking connection: learn where `key` is served now. */
  relearn(key: RedisArgument): Promise<void>;
}

/**
 * One server-side wait on a node picked by key: the command's key picks the node (on a cluster the
 * slot's master; under Sentinel the primary), whose pool lends the connection; interrupting ends the
 * wait there with `CLIENT UNBLOCK` sent on that node.
 */
export class NodeLease implements BlockingLease {
  readonly #owner: LaneSource;
  readonly #deadline: number | undefined;
  readonly #signal: AbortSignal;
  readonly #interrupted = new AbortController();
  #held: { lane: Lane; conn: BlockingConnection } | undefined;

  constructor(owner: LaneSource, options: AcquireOptions) {
    this.#owner = owner;
    this.#deadline = options.deadline;
    this.#signal = options.signal
      ? AbortSignal.any([options.signal, this.#interrupted.signal])
      : this.#interrupted.signal;
  }

  async run<T>(command: BlockingCommand<T>, wait: BlockingWait): Promise<T | null | undefined> {
    if (this.#owner.keyless) {
      const conn = await this.#hold(undefined);
      try {
        return await conn.run(command, wait);
      } catch (error) {
        throw await this.#transient(error, undefined, conn);
      }
    }
    // The first command sent names the key, which picks the node; the whole of `command` then runs as
    // one wait on that node's connection, its commands pipelined in the order they were sent (a
    // BLMOVE and the script that takes what it moved), so that an interrupt ends all of it.
    let conn: BlockingConnection | undefined;
    let opened: Promise<RedisClient> | undefined;
    let running: Promise<unknown> | undefined;
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const open = (first: RedisArgument): Promise<RedisClient> => {
      opened ??= this.#hold(first).then((held) => {
        conn = held;
        return new Promise<RedisClient>((resolve, reject) => {
          running = held.run(async (redis) => {
            resolve(redis);
            await finished;
            return null;
          }, wait);
          running.catch(reject);
        });
      });
      return opened;
    };
    const send: LeaseSend = async (args, options, mapping) => {
      const named = commandKey(args);
      if (named === undefined)
        throw new InvalidArgumentError(`blocking command ${String(args[0])} names no key`);
      const redis = await open(named);
      const client = mapping ? (redis.withTypeMapping(mapping) as unknown as RedisClient) : redis;
      try {
        return await client.sendCommand(args, options as never);
      } catch (error) {
        // Learnt here, not only when `command` fails: a command may swallow the error of one send.
        const word = replyWord(error);
        if (word !== undefined && REDIRECTS.has(word)) await this.#owner.relearn(named);
        throw error;
      }
    };
    try {
      return await command(leaseRouter(send, undefined), wait);
    } catch (error) {
      throw conn ? await this.#transient(error, undefined, conn) : error;
    } finally {
      finish();
      await running?.catch(() => {});
    }
  }

  // A connection to the node serving `key` (taken from its pool, kept until release).
  async #hold(key: RedisArgument | undefined): Promise<BlockingConnection> {
    const lane = await this.#owner.laneFor(key);
    if (this.#held && this.#held.lane !== lane) this.release();
    if (!this.#held) {
      const conn = await lane.pool.acquire({ deadline: this.#deadline, signal: this.#signal });
      this.#held = { lane, conn };
    }
    if (this.#interrupted.signal.aborted) throw new AbortError();
    return this.#held.conn;
  }

  // Errors of a node that moved, failed or left count as transient: the call retries on the new owner.
  async #transient(
    error: unknown,
    key: RedisArgument | undefined,
    conn: BlockingConnection,
  ): Promise<unknown> {
    const word = replyWord(error);
    if (word !== undefined && REDIRECTS.has(word)) {
      if (key !== undefined) await this.#owner.relearn(key);
      return new UnavailableError(word, `the key moved while a blocking command waited: ${String(error)}`, {
        cause: error,
      });
    }
    const typed = toIpcError(error);
    if (isIpcError(typed, 'IPC_CONNECTION') || (isIpcError(typed, 'IPC_CLOSED') && !this.#owner.closed)) {
      conn.destroy();
      return new ConnectionError(`a blocking connection was lost: ${typed.message}`, { cause: error });
    }
    return error;
  }

  async interrupt(): Promise<void> {
    this.#interrupted.abort();
    const held = this.#held;
    if (held) await held.conn.interrupt(held.lane.control);
  }

  release(): void {
    const held = this.#held;
    this.#held = undefined;
    if (held) held.lane.pool.release(held.conn);
  }
}

// What a blocking command is given on a cluster: `sendCommand` picks the node by key; the reply types
// can be mapped as on any node-redis client. Typed commands (`brPop(key, …)`) would need node-redis's
// parsing to find their key: they throw, saying so.
type LeaseSend = (
  args: RedisArgument[],
  options: object | undefined,
  mapping: TypeMapping | undefined,
) => Promise<unknown>;

function leaseRouter(send: LeaseSend, mapping: TypeMapping | undefined): RedisClient {
  const router = {
    sendCommand: (args: RedisArgument[], options?: object) => send(args, options, mapping),
    withTypeMapping: (next: TypeMapping) => leaseRouter(send, next),
  };
  return new Proxy(router, {
    get(target, property) {
      if (property in target || typeof property === 'symbol' || property === 'then') {
        return Reflect.get(target, property);
      }
      throw new InvalidArgumentError(
        `a blocking command on a cluster sends with sendCommand([...]) (whose key picks the node), not ${property}()`,
      );
    },
  }) as unknown as RedisClient;
}
