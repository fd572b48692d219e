import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createClient as createRedisClient, type RedisClientOptions } from 'redis';
import type { BlockingConnection, BlockingWait } from './blocking-connection.js';
import { BlockingPool } from './blocking-pool.js';
import {
  ClosedError,
  ConnectionError,
  InvalidArgumentError,
  type IpcError,
  isTransientError,
  TimeoutError,
  toIpcError,
} from './errors.js';
import { abortErrorFrom, backoffDelay, sleep, validateTimeout, within } from './internal/timing.js';
import { Keyspace } from './keyspace.js';
import { destroyClient, type RedisClient } from './redis-client.js';
import { Subscriber } from './subscriber.js';

// How long close() waits for blocked calls to end, and then for the replies of commands already
// sent, before it cuts the connections.
const CLOSE_GRACE_MS = 2000;

/** Options of {@link createClient}. */
export interface IpcClientOptions {
  /**
   * Redis URL, `redis[s]://[[user]:password@]host[:port][/db]`.
   * @default 'redis://localhost:6379'
   */
  url?: string;
  /**
   * Further node-redis client options (socket, TLS, credentials, …), merged over ours. Setting
   * `commandOptions.timeout` here brings back node-redis's per-command timer, which costs throughput.
   * @default {}
   */
  redis?: RedisClientOptions;
  /**
   * A node-redis client you already have, used for ordinary commands instead of a new one. redis-ipc
   * duplicates it for its blocking and subscription connections and never closes it.
   * @default undefined (a new client is made from `url` and `redis`)
   */
  client?: RedisClient;
  /**
   * Prefix of every key.
   * @default 'ipc'
   */
  prefix?: string;
  /**
   * Use structure names as keys exactly (the Rust crate's layout). See {@link KeyspaceOptions.raw}.
   * @default false
   */
  raw?: boolean;
  /**
   * Most dedicated connections for blocking reads at once; further blocking reads wait for one.
   * @default 100
   */
  maxBlockingConnections?: number;
  /**
   * Longest pause between reconnection attempts, in ms: after Redis comes back, work resumes within
   * about this long.
   * @default 500
   */
  reconnectMaxDelayMs?: number;
  /**
   * Identifies this client in Redis (consumer names, `skipOwn`). Must be unique among live clients.
   * @default a random UUID
   */
  id?: string;
}

/** Options of {@link IpcClient.blocking}. */
export interface BlockingOptions<T> {
  /**
   * How long to wait in total, in ms, across reconnections; `Infinity` waits for ever.
   * @default Infinity
   */
  timeoutMs?: number;
  /**
   * Aborts the wait: the call rejects with {@link AbortError} and the server-side wait ends.
   * @default undefined
   */
  signal?: AbortSignal;
  /**
   * Receives a value that arrived after the call had already rejected (aborted, timed out or closed
   * while the reply was on its way), so the structure can put it back instead of losing it.
   * @default undefined
   */
  onLateValue?: (value: T) => void;
}

/** Events of an {@link IpcClient}. */
export interface IpcClientEvents {
  /** A connection reported an error (it reconnects by itself). Only emitted when someone listens. */
  error: [error: IpcError];
  /** The shared connection is (again) ready. */
  ready: [];
  /** The shared connection was lost and is being re-established. */
  reconnecting: [];
}

// The client-side guard fires this long after the server-side timeout should have answered.
const TIMEOUT_GRACE_MS = 50;

/**
 * What every structure needs from Redis: a shared connection that pipelines ordinary commands,
 * dedicated connections for blocking reads (so a blocked reader never stalls anyone else), one
 * shared subscription connection, and the key naming scheme. Make it with {@link createClient}.
 */
export class IpcClient extends EventEmitter<IpcClientEvents> {
  /** Unique id of this client (consumer names, `skipOwn`). */
  readonly id: string;
  /** Builds every key. */
  readonly keys: Keyspace;
  /** The shared connection for ordinary (non-blocking) commands. */
  readonly redis: RedisClient;
  readonly #ownsRedis: boolean;
  readonly #pool: BlockingPool;
  readonly #cancellers = new Set<(error: IpcError) => Promise<void>>();
  readonly #closeController = new AbortController();
  readonly #connecting: Promise<unknown>;
  #subscriber: Subscriber | undefined;
  #closing: Promise<void> | undefined;

  /** Use {@link createClient}. */
  constructor(options: IpcClientOptions = {}) {
    super();
    this.id = options.id ?? randomUUID();
    this.keys = new Keyspace({ prefix: options.prefix, raw: options.raw });
    const maxBlocking = options.maxBlockingConnections ?? 100;
    if (!Number.isInteger(maxBlocking) || maxBlocking < 1) {
      throw new InvalidArgumentError('maxBlockingConnections must be a positive integer');
    }
    const maxDelay = options.reconnectMaxDelayMs ?? 500;
    const onError = (error: unknown) => this.#reportError(error);
    if (options.client) {
      this.redis = options.client;
      this.#ownsRedis = false;
      this.#connecting = this.redis.isOpen ? Promise.resolve() : this.redis.connect();
    } else {
      this.redis = createRedisClient({
        url: options.url,
        ...options.redis,
        commandOptions: { timeout: 0, ...options.redis?.commandOptions },
        socket: {
          reconnectStrategy: (retries: number) => backoffDelay(retries, 25, maxDelay),
          ...options.redis?.socket,
        },
      } as RedisClientOptions) as RedisClient;
      this.#ownsRedis = true;
      this.redis.on('error', onError);
      this.redis.on('ready', () => this.emit('ready'));
      this.redis.on('reconnecting', () => this.emit('reconnecting'));
      this.#connecting = this.redis.connect();
    }
    this.#connecting.catch(() => {});
    this.#pool = new BlockingPool(this.redis, maxBlocking, onError);
  }

  /**
   * Resolves once the shared connection is ready (it retries while Redis is unreachable); rejects
   * with {@link ConnectionError} if it gives up, or {@link ClosedError} after {@link IpcClient.close}.
   */
  async connect(): Promise<this> {
    this.#assertOpen();
    try {
      await this.#connecting;
    } catch (error) {
      throw this.closed ? new ClosedError(undefined, { cause: error }) : toIpcError(error);
    }
    return this;
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
    this.#subscriber ??= new Subscriber(this.redis, (error) => this.#reportError(error));
    return this.#subscriber;
  }

  /** Number of dedicated blocking connections open now (busy or idle). */
  get blockingConnections(): number {
    return this.#pool.size;
  }

  /**
   * Runs one blocking command (BLMOVE, BRPOP, XREAD BLOCK, …) on a dedicated connection.
   *
   * `command` gets the connection and how long the server may block (0: for ever). It returns the
   * reply, `null` when the server timed out. The call resolves with the first non-null reply; rejects
   * with {@link TimeoutError} when `timeoutMs` passes, with {@link AbortError} when `signal` aborts (the
   * server-side wait is ended with `CLIENT UNBLOCK`), with {@link ClosedError} when the client closes,
   * and with the typed error of any failure. A lost connection is retried, with backoff, until the
   * timeout; if Redis is still unreachable then, the call rejects with {@link ConnectionError}.
   */
  blocking<T>(
    command: (redis: RedisClient, wait: BlockingWait) => Promise<T | null | undefined>,
    options: BlockingOptions<T> = {},
  ): Promise<T> {
    const { signal, onLateValue } = options;
    let timeoutMs: number;
    try {
      this.#assertOpen();
      timeoutMs = validateTimeout(options.timeoutMs ?? Number.POSITIVE_INFINITY);
      if (signal?.aborted) throw abortErrorFrom(signal);
    } catch (error) {
      return Promise.reject(error);
    }
    const forever = timeoutMs === Number.POSITIVE_INFINITY;
    const deadline = performance.now() + timeoutMs;

    return new Promise<T>((resolve, reject) => {
      // 'cancelling': an abort, timeout or close was decided; the server-side wait is being ended.
      let state: 'waiting' | 'cancelling' | 'settled' = 'waiting';
      let current: BlockingConnection | undefined;
      let lastConnectionError: IpcError | undefined;
      let guard: NodeJS.Timeout | undefined;

      const detach = () => {
        if (guard) clearTimeout(guard);
        signal?.removeEventListener('abort', onAbort);
        this.#cancellers.delete(cancel);
      };
      const settle = (error: IpcError | undefined, value?: T) => {
        if (state === 'settled') return;
        state = 'settled';
        detach();
        if (error) reject(error);
        else resolve(value as T);
      };
      // Rejects only once the wait has really ended, so nothing is consumed after the caller moved on.
      const cancel = (error: IpcError): Promise<void> => {
        if (state !== 'waiting') return Promise.resolve();
        state = 'cancelling';
        detach();
        const conn = current;
        if (!conn) {
          settle(error);
          return Promise.resolve();
        }
        return conn.interrupt(this.redis).then(
          () => settle(error),
          () => settle(error),
        );
      };
      const onAbort = () => void cancel(abortErrorFrom(signal!));
      const timedOut = () =>
        lastConnectionError && !this.redis.isReady
          ? new ConnectionError(`Redis unreachable for the whole ${timeoutMs} ms wait`, {
              cause: lastConnectionError,
            })
          : new TimeoutError(timeoutMs);

      signal?.addEventListener('abort', onAbort, { once: true });
      this.#cancellers.add(cancel);
      if (!forever) guard = setTimeout(() => cancel(timedOut()), timeoutMs + TIMEOUT_GRACE_MS);

      // After a failure: true to try again (a lost connection, after a backoff), false when settled.
      let attempt = 0;
      const retryAfter = async (raw: unknown): Promise<boolean> => {
        if (state !== 'waiting') return false;
        const error = toIpcError(raw);
        if (!isTransientError(error)) {
          settle(error);
          return false;
        }
        lastConnectionError = error;
        try {
          await sleep(backoffDelay(attempt++), this.#closeController.signal);
        } catch {
          cancel(new ClosedError());
          return false;
        }
        return true;
      };

      const loop = async () => {
        while (state === 'waiting') {
          if (!forever && deadline - performance.now() < 1) return settle(timedOut());
          let conn: BlockingConnection;
          try {
            conn = await this.#pool.acquire();
          } catch (error) {
            if (await retryAfter(error)) continue;
            return;
          }
          if (state !== 'waiting') return this.#pool.release(conn);
          current = conn;
          // Measured once a connection is ours: waiting for one may have taken a while.
          const remaining = forever ? 0 : Math.max(1, deadline - performance.now());
          let reply: T | null | undefined;
          try {
            reply = await conn.run(command, {
              ms: Math.ceil(remaining),
              seconds: Math.ceil(remaining) / 1000,
            });
          } catch (raw) {
            current = undefined;
            this.#pool.release(conn);
            if (await retryAfter(raw)) continue;
            return;
          }
          current = undefined;
          this.#pool.release(conn);
          if (reply !== null && reply !== undefined) {
            if (state === 'waiting') return settle(undefined, reply);
            return onLateValue?.(reply);
          }
        }
      };
      loop().catch((error) => settle(toIpcError(error)));
    });
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
    this.#pool.close();
    this.#subscriber?.close();
    if (!this.#ownsRedis || !this.redis.isOpen) return;
    // Commands queued while disconnected would keep a graceful close waiting for replies that may
    // never come: only a connected client waits for its pending replies.
    if (!this.redis.isReady) {
      destroyClient(this.redis, this.#connecting);
      return;
    }
    // Pending replies get a moment; a server that stopped answering must not keep close() waiting.
    const closedInTime = await within(this.redis.close(), CLOSE_GRACE_MS).catch(() => false);
    if (!closedInTime) destroyClient(this.redis, this.#connecting);
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
  return new IpcClient(typeof urlOrOptions === 'string' ? { url: urlOrOptions } : urlOrOptions);
}
