import type { RedisArgument } from 'redis';
import type { BlockingLease } from '../blocking-call.js';
import { type AcquireOptions, BlockingPool } from '../blocking-pool.js';
import { ClosedError, ConnectionError, InvalidArgumentError, UnavailableError } from '../errors.js';
import { within } from '../internal/timing.js';
import type { RedisClient } from '../redis-client.js';
import type { RedisCluster } from './cluster-redis.js';
import { keySlot } from './key-slot.js';
import { type Lane, type LaneSource, NodeLease } from './node-lease.js';

// How long a blocking call waits for a node's connection before it counts the node as unreachable
// (and retries with backoff, by which time the cluster may have promoted a replica).
const NODE_CONNECT_MS = 1000;
/**
 * Dedicated blocking connections on a cluster: a {@link BlockingPool} per master (each with up to
 * `maxPerNode` connections), chosen by the key each blocking command names. A lane whose node is no
 * longer a master (failover, node removed) is closed, and a command that meets MOVED/ASK makes the
 * cluster client learn the new layout, so that the next try parks on the slot's new owner.
 */
export class ClusterBlocking implements LaneSource {
  readonly #cluster: RedisCluster;
  readonly #maxPerNode: number;
  readonly #onError: (error: unknown) => void;
  readonly #lanes = new Map<string, Lane>();
  #closed = false;
  /** Keys pick the node: blocking commands send with `sendCommand`. */
  readonly keyless = false;

  constructor(cluster: RedisCluster, maxPerNode: number, onError: (error: unknown) => void) {
    this.#cluster = cluster;
    this.#maxPerNode = maxPerNode;
    this.#onError = onError;
  }

  /** Connections open now, over every node. */
  get size(): number {
    let size = 0;
    for (const lane of this.#lanes.values()) size += lane.pool.size;
    return size;
  }

  /** True once {@link ClusterBlocking.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** A lease whose connection is picked when its command is sent (by the command's key). */
  lend = (options: AcquireOptions): Promise<BlockingLease> => {
    if (this.#closed) return Promise.reject(new ClosedError());
    return Promise.resolve(new NodeLease(this, options));
  };

  /** The lane of the master that owns `key`'s slot now. Rejects with a transient error while none is reachable. */
  async laneFor(key: RedisArgument | undefined): Promise<Lane> {
    if (this.#closed) throw new ClosedError();
    if (key === undefined) throw new InvalidArgumentError('a blocking command on a cluster must name a key');
    this.#dropFormerMasters();
    const slot = keySlot(key);
    const master = this.#cluster.slots[slot]?.master;
    if (!master) throw new UnavailableError('CLUSTERDOWN', `no master serves slot ${slot} now`);
    let lane = this.#lanes.get(master.address);
    if (lane && !lane.control.isOpen) {
      this.#lanes.delete(master.address);
      lane.pool.close();
      lane = undefined;
    }
    if (!lane) {
      const connecting = this.#cluster.nodeClient(master) as unknown as Promise<RedisClient>;
      connecting.catch(() => {});
      if (!(await within(connecting, NODE_CONNECT_MS))) {
        throw new ConnectionError(`cluster node ${master.address} is unreachable`);
      }
      const control = await connecting;
      if (this.#closed) throw new ClosedError();
      lane = this.#lanes.get(master.address);
      if (!lane) {
        lane = {
          address: master.address,
          control,
          pool: new BlockingPool(control, this.#maxPerNode, this.#onError),
        };
        this.#lanes.set(master.address, lane);
      }
    }
    if (!lane.control.isReady) throw new ConnectionError(`cluster node ${master.address} is unreachable`);
    return lane;
  }

  /**
   * After MOVED/ASK on a blocking connection: one keyed command through the cluster client, which
   * follows the redirect and, on MOVED, learns the new slot layout.
   */
  async relearn(key: RedisArgument): Promise<void> {
    await this.#cluster.sendCommand(key, false, ['EXISTS', key]).catch(() => {});
  }

  /** Destroys every connection. */
  close(): void {
    this.#closed = true;
    for (const lane of this.#lanes.values()) lane.pool.close();
    this.#lanes.clear();
  }

  // Connections to a node that is no longer a master would wait on a replica (or a dead process).
  #dropFormerMasters(): void {
    if (this.#lanes.size === 0) return;
    const masters = new Set(this.#cluster.masters.map((master) => master.address));
    for (const [address, lane] of this.#lanes) {
      if (masters.has(address)) continue;
      this.#lanes.delete(address);
      lane.pool.close();
    }
  }
}
