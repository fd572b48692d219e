import { createClient, type RedisArgument, type RedisClientOptions } from 'redis';
import type { BlockingLease } from '../blocking-call.js';
import { type AcquireOptions, BlockingPool } from '../blocking-pool.js';
import { ClosedError, ConnectionError } from '../errors.js';
import { destroyClient, type RedisClient } from '../redis-client.js';
import { type Lane, type LaneSource, NodeLease } from './node-lease.js';
import type { RedisSentinel } from './sentinel-redis.js';

interface PrimaryLane extends Lane {
  readonly connecting: Promise<unknown>;
}

/**
 * Dedicated blocking connections under Sentinel: a {@link BlockingPool} on the primary the sentinel
 * client names now, with a control connection of its own for `CLIENT UNBLOCK`. After a failover the
 * old primary's connections are closed and the next wait parks on the new one.
 */
export class SentinelBlocking implements LaneSource {
  readonly #sentinel: RedisSentinel;
  readonly #nodeOptions: RedisClientOptions;
  readonly #max: number;
  readonly #onError: (error: unknown) => void;
  #lane: PrimaryLane | undefined;
  #closed = false;
  /** One primary serves every key: blocking commands may use any node-redis method. */
  readonly keyless = true;

  constructor(
    sentinel: RedisSentinel,
    nodeOptions: RedisClientOptions,
    max: number,
    onError: (error: unknown) => void,
  ) {
    this.#sentinel = sentinel;
    this.#nodeOptions = nodeOptions;
    this.#max = max;
    this.#onError = onError;
  }

  /** Connections open now. */
  get size(): number {
    return this.#lane?.pool.size ?? 0;
  }

  /** True once {@link SentinelBlocking.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** A lease whose connection is taken from the current primary's pool when its command is sent. */
  lend = (options: AcquireOptions): Promise<BlockingLease> => {
    if (this.#closed) return Promise.reject(new ClosedError());
    return Promise.resolve(new NodeLease(this, options));
  };

  async laneFor(_key: RedisArgument | undefined): Promise<Lane> {
    if (this.#closed) throw new ClosedError();
    const primary = this.#sentinel.getMasterNode();
    if (!primary) throw new ConnectionError('the sentinels name no reachable primary now');
    const address = `${primary.host}:${primary.port}`;
    if (this.#lane && this.#lane.address !== address) this.#dropLane();
    if (!this.#lane) this.#lane = this.#openLane(address, primary.host, primary.port);
    // The sentinel client names a primary only while its own connection to it is ready, so the
    // waits may start at once; the control connection (needed only to end a wait early) opens alongside.
    return this.#lane;
  }

  // The sentinel client finds the new primary by itself; the next laneFor() follows it.
  async relearn(): Promise<void> {}

  close(): void {
    this.#closed = true;
    this.#dropLane();
  }

  #openLane(address: string, host: string, port: number): PrimaryLane {
    const control = createClient({
      ...this.#nodeOptions,
      commandOptions: { timeout: 0 },
      socket: { ...this.#nodeOptions.socket, host, port },
    } as RedisClientOptions) as RedisClient;
    control.on('error', this.#onError);
    const connecting = control.connect();
    connecting.catch(() => {});
    return { address, control, connecting, pool: new BlockingPool(control, this.#max, this.#onError) };
  }

  #dropLane(): void {
    const lane = this.#lane;
    this.#lane = undefined;
    if (!lane) return;
    lane.pool.close();
    destroyClient(lane.control, lane.connecting);
  }
}
