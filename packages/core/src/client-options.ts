import type { RedisClientOptions } from 'redis';
import { InvalidArgumentError } from './errors.js';
import { durationOption, integerOption, MAX_TIMER_MS, rejectUnknownOptions } from './internal/options.js';
import { validateTimeout } from './internal/timing.js';
import type { RedisClient } from './redis-client.js';

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
   * Most dedicated connections for blocking reads at once; further blocking reads queue for one and
   * take turns with the parked ones (see `blockingSliceMs`).
   * @default 100
   */
  maxBlockingConnections?: number;
  /**
   * Longest time, in ms, one blocking command waits on the server before it is sent again. Between two
   * such waits the connection goes back to the pool, so with more waiters than
   * `maxBlockingConnections` every waiter is served within about this long times
   * ⌈queued waiters ÷ connections⌉. Longer means fewer idle round trips; shorter, quicker turns.
   * @default 2000
   */
  blockingSliceMs?: number;
  /**
   * Longest pause between reconnection attempts, in ms: after Redis comes back, work resumes within
   * about this long.
   * @default 500
   */
  reconnectMaxDelayMs?: number;
  /**
   * Once Redis has been unreachable this long, in ms, commands waiting for the connection reject with
   * {@link ConnectionError} (at the next failed reconnection attempt, within `reconnectMaxDelayMs` when
   * connecting fails fast), and so does every command issued until it is back, at once — and
   * `connect()`, when the first connection has not succeeded by then. Reconnection attempts go on.
   * `Infinity` keeps commands waiting for ever. Applies to the connection made from `url`; a `client`
   * you pass in keeps its own settings.
   * @default 10000
   */
  offlineTimeoutMs?: number;
  /**
   * Identifies this client in Redis (consumer names, `skipOwn`). Must be unique among live clients.
   * @default a random UUID
   */
  id?: string;
}

/** The names {@link IpcClientOptions} knows. */
export const CLIENT_OPTION_NAMES: readonly string[] = [
  'url',
  'redis',
  'client',
  'prefix',
  'raw',
  'maxBlockingConnections',
  'blockingSliceMs',
  'reconnectMaxDelayMs',
  'offlineTimeoutMs',
  'id',
];

/** Client options with every default applied and every value checked. */
export interface ResolvedClientOptions {
  readonly maxBlockingConnections: number;
  readonly blockingSliceMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly offlineTimeoutMs: number;
}

/** Checks `options` (unknown names, ranges) and fills in the defaults; throws {@link InvalidArgumentError}. */
export function resolveClientOptions(options: IpcClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('createClient takes a URL string or an options object');
  }
  rejectUnknownOptions(options, CLIENT_OPTION_NAMES, 'createClient');
  if (options.url !== undefined && typeof options.url !== 'string') {
    throw new InvalidArgumentError('url must be a string');
  }
  if (options.id !== undefined && (typeof options.id !== 'string' || options.id === '')) {
    throw new InvalidArgumentError('id must be a non-empty string');
  }
  return {
    maxBlockingConnections: integerOption(options.maxBlockingConnections ?? 100, 'maxBlockingConnections', 1),
    blockingSliceMs: durationOption(options.blockingSliceMs ?? 2000, 'blockingSliceMs', 10, MAX_TIMER_MS),
    reconnectMaxDelayMs: durationOption(
      options.reconnectMaxDelayMs ?? 500,
      'reconnectMaxDelayMs',
      1,
      MAX_TIMER_MS,
    ),
    offlineTimeoutMs: validateTimeout(options.offlineTimeoutMs ?? 10_000, 'offlineTimeoutMs'),
  };
}
