import { randomBytes } from 'node:crypto';
import { EventEmitter, setMaxListeners } from 'node:events';
import {
  BLOCKING_OPTION_NAMES,
  type BlockingCommand,
  type BlockingHost,
  type BlockingOptions,
  blockingCall,
} from './blocking-call.js';
import { type IpcClientOptions, resolveClientOptions } from './client-options.js';
import { ClosedError, InvalidArgumentError, type IpcError, toIpcError } from './errors.js';
import { rejectUnknownOptions } from './internal/options.js';
import { within } from './internal/timing.js';
import { Keyspace } from './keyspace.js';
import type { RedisClient } from './redis-client.js';
import type { Subscriber } from './subscriber.js';
import { clusterTopology, isRedisCluster } from './topology/cluster.js';
import { isRedisSentinel, sentinelTopology } from './topology/sentinel.js';
import { singleServer } from './topology/single-server.js';
import type { Topology, TopologyEvents } from './topology/topology.js';

// How long close() waits for blocked calls to end, and then for the replies of commands already
// sent, before it cuts the connections.
const CLOSE_GRACE_MS = 2000;

/**
 * The brand every {@link IpcClient} carries, `Symbol.for('redis-ipc.client')`: {@link isIpcClient}
 * checks it, so a client made by another copy of this package is recognised too.
 */
export const IPC_CLIENT_BRAND: unique symbol = Symbol.for('redis-ipc.client') as never;

/** Events of an {@link IpcClient}. */
export interface IpcClientEvents {
  /** A connection reported an error (it reconnects by itself). Only emitted when someone listens. */
  error: [error: IpcError];
  /** The shared connection is (again) ready. */
  ready: [];
  /** The shared connection was lost and is being re-established. */
  reconnecting: [];
}

/**
 * What every structure needs from Redis: a shared connection that pipelines ordinary commands,
 * dedicated connections for blocking reads (so a blocked reader never stalls anyone else), one
 * shared subscription connection, and the key naming scheme. Make it with {@link createClient}.
 */
export class IpcClient extends EventEmitter<IpcClientEvents> {
  /** Marks redis-ipc clients across copies of the package; see {@link isIpcClient}. */
  readonly [IPC_CLIENT_BRAND] = true;
  /** Unique id of this client (consumer names, `skipOwn`). */
  readonly id: string;
  /** Builds every key. */
  readonly keys: Keyspace;
  /** The shared connection for ordinary (non-blocking) commands. */
  readonly redis: RedisClient;
  readonly #topology: Topology;
  readonly #cancellers = new Set<(error: IpcError) => Promise<void>>();
  readonly #closeController = closeController();
  readonly #blockingHost: BlockingHost;
  #subscriber: Subscriber | undefined;
  #closing: Promise<void> | undefined;

  /** Use {@link createClient}. */
  constructor(options: IpcClientOptions = {}) {
    super();
    const resolved = resolveClientOptions(options);
    // 96 random bits in 16 characters: unique among live clients, and every task a client pushes
    // carries it, so it is kept short (a UUID would add 20 bytes to each).
    this.id = options.id ?? randomBytes(12).toString('base64url');
    this.keys = new Keyspace({ prefix: options.prefix, raw: options.raw });
    const events: TopologyEvents = {
      onError: (error) => this.#reportError(error),
      onReady: () => this.emit('ready'),
      onReconnecting: () => this.emit('reconnecting'),
    };
    const given = options.client;
    if (options.cluster || isRedisCluster(given)) {
      this.#topology = clusterTopology(
        options.cluster,
        isRedisCluster(given) ? given : undefined,
        resolved,
        events,
      );
    } else if (options.sentinel || isRedisSentinel(given)) {
      this.#topology = sentinelTopology(
        options.sentinel,
        isRedisSentinel(given) ? given : undefined,
        resolved,
        events,
      );
    } else {
      this.#topology = singleServer(options, given as RedisClient | undefined, resolved, events);
    }
    this.redis = this.#topology.redis;
    const cancellers = this.#cancellers;
    this.#blockingHost = {
      redis: this.redis,
      lend: this.#topology.lend,
      sliceMs: resolved.blockingSliceMs,
      closeSignal: this.#closeController.signal,
      track(cancel: (error: IpcError) => Promise<void>) {
        cancellers.add(cancel);
        return () => void cancellers.delete(cancel);
      },
    };
  }

  /**
   * Resolves once the shared connection is ready (it retries while Redis is unreachable); rejects
   * with {@link ConnectionError} if it gives up or is still unreachable after `offlineTimeoutMs`
   * (reconnection attempts go on), with {@link AuthError} when Redis refused the credentials until
   * then, or with {@link ClosedError} after {@link IpcClient.close}.
   */
  async connect(): Promise<this> {
    this.#assertOpen();
    try {
      await this.#untilConnected();
    } catch (error) {
      throw this.closed ? new ClosedError(undefined, { cause: error }) : toIpcError(error);
    }
    return this;
  }

  #untilConnected(): Promise<unknown> {
    const { offline, connecting } = this.#topology;
    return offline ? offline.bound(connecting) : connecting;
  }

  /** True once {@link IpcClient.close} has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Aborts when the client closes: structures tie their loops and waits to it. */
  get closeSignal(): AbortSignal {
    return this.#closeController.signal;
  }

  /** The shared pub/sub connection, opened on first use. */
  get subscriber(): Subscriber {
    this.#assertOpen();
    this.#subscriber ??= this.#topology.subscriber((error) => this.#reportError(error));
    return this.#subscriber;
  }

  /** Number of dedicated blocking connections open now (busy or idle). */
  get blockingConnections(): number {
    return this.#topology.blockingConnections;
  }

  /**
   * Runs one blocking command (BLMOVE, BRPOP, XREAD BLOCK, …) on a dedicated connection.
   *
   * `command` gets the connection and how long the server may block: never more than
   * `blockingSliceMs`, after which the call sends `command` again (so that connections take turns
   * between waiters). It returns the reply, `null` when the server timed out. The call resolves with the first non-null reply; rejects
   * with {@link TimeoutError} when `timeoutMs` passes, with {@link AbortError} when `signal` aborts (the
   * server-side wait is ended with `CLIENT UNBLOCK`), with {@link ClosedError} when the client closes,
   * and with the typed error of any failure. A lost connection is retried, with backoff, until the
   * timeout; if Redis is still unreachable then, the call rejects with {@link ConnectionError}.
   */
  blocking<T>(command: BlockingCommand<T>, options: BlockingOptions<T> = {}): Promise<T> {
    try {
      this.#assertOpen();
      rejectUnknownOptions(options, BLOCKING_OPTION_NAMES, 'blocking');
    } catch (error) {
      return Promise.reject(error);
    }
    return blockingCall(this.#blockingHost, command, options);
  }

  /**
   * Closes everything this client opened: every blocked call rejects with {@link ClosedError}, the
   * blocking and subscription connections are destroyed, and the shared connection is closed after
   * its pending replies (unless it was given in `options.client`). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closeController.abort(new ClosedError());
    // Blocked calls are ended with CLIENT UNBLOCK before their connections go, so a reply already on
    // its way still reaches onLateValue, and whatever that sends still leaves on the shared connection.
    const ending = Promise.all([...this.#cancellers].map((cancel) => cancel(new ClosedError())));
    await within(ending, CLOSE_GRACE_MS);
    await new Promise((resolve) => setImmediate(resolve));
    this.#topology.closeBlocking();
    this.#topology.offline?.close();
    this.#subscriber?.close();
    await this.#topology.closeShared(CLOSE_GRACE_MS);
  }

  #assertOpen(): void {
    if (this.#closing) throw new ClosedError();
  }

  #reportError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', toIpcError(error));
  }
}

/**
 * Makes an {@link IpcClient}. It starts connecting at once; commands issued before the connection is
 * ready wait for it. `await client.connect()` to surface a failed first connection early.
 *
 * @example
 * const ipc = createClient('redis://127.0.0.1:6379');
 * await ipc.connect();
 */
export function createClient(urlOrOptions?: string | IpcClientOptions): IpcClient {
  if (urlOrOptions !== undefined && typeof urlOrOptions !== 'string' && typeof urlOrOptions !== 'object') {
    throw new InvalidArgumentError('createClient takes a URL string or an options object');
  }
  return new IpcClient(typeof urlOrOptions === 'string' ? { url: urlOrOptions } : (urlOrOptions ?? {}));
}

/**
 * Is `value` an {@link IpcClient}? Checks the `Symbol.for('redis-ipc.client')` brand rather than the
 * class, so it also recognises a client made by another copy of this package.
 */
export function isIpcClient(value: unknown): value is IpcClient {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [IPC_CLIENT_BRAND]?: unknown })[IPC_CLIENT_BRAND] === true
  );
}

/**
 * The controller behind `closeSignal`. Every wait of every structure on the client listens to its
 * signal for as long as it waits (retries while Redis is away, blocked reads, sleeps between
 * attempts) and removes its listener when done: dozens at once during an outage are normal, not a
 * leak, so Node's warning past 10 does not apply.
 */
function closeController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
