import type { BlockingLender } from '../blocking-call.js';
import { backoffDelay } from '../internal/timing.js';
import type { OfflineGuard } from '../offline-guard.js';
import type { RedisClient } from '../redis-client.js';
import type { Subscriber } from '../subscriber.js';

/** What a client emits about its shared connection. */
export interface TopologyEvents {
  onError(error: unknown): void;
  onReady(): void;
  onReconnecting(): void;
}

/**
 * How one {@link IpcClient} reaches Redis: a single server, a cluster or a sentinel-managed primary.
 * The client and the structures see only this: a shared connection with the single-server contract,
 * dedicated connections for blocking reads, a pub/sub connection.
 */
export interface Topology {
  /** The shared connection for ordinary commands (on a cluster, a view routing each by its key). */
  readonly redis: RedisClient;
  /** Settles when the shared connection is first ready (or has failed). */
  readonly connecting: Promise<unknown>;
  /** Bounds waits while Redis is unreachable (a single server only: node-redis's cluster and sentinel clients have their own discovery and retries). */
  readonly offline: OfflineGuard | undefined;
  /** Lends dedicated connections for blocking commands. */
  readonly lend: BlockingLender;
  /** Dedicated blocking connections open now. */
  readonly blockingConnections: number;
  /** Opens the shared pub/sub connection. */
  subscriber(onError: (error: unknown) => void): Subscriber;
  /** Destroys the blocking connections (queued requests reject with ClosedError). */
  closeBlocking(): void;
  /** Closes the shared connection if this client opened it: gracefully within `graceMs`, else at once. */
  closeShared(graceMs: number): Promise<void>;
}

/**
 * How every connection a client opens reconnects: backoff from 25 ms, doubling (with jitter) up to `maxDelayMs`
 * (`reconnectMaxDelayMs`), for ever.
 */
export function reconnectWithBackoff(maxDelayMs: number): (retries: number) => number {
  return (retries) => backoffDelay(retries, 25, maxDelayMs);
}
