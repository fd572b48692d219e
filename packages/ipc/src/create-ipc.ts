import { type Cache, type CacheOptions, createCache } from '@redis-ipc/cache';
import { createClient, IpcClient, type IpcClientOptions } from '@redis-ipc/core';
import {
  createReadQueue,
  createWriteQueue,
  type ReadQueue,
  type ReadQueueOptions,
  type WriteQueue,
  type WriteQueueOptions,
} from '@redis-ipc/queue';
import {
  type ConsumerGroup,
  type ConsumerGroupOptions,
  createConsumerGroup,
  createReadStream,
  createWriteStream,
  type ReadStream,
  type ReadStreamOptions,
  type WriteStream,
  type WriteStreamOptions,
} from '@redis-ipc/stream';

/** The two ends of one named queue. */
export interface QueueHandle<T> {
  /** A producer: `push`, `pushMany`. */
  writer(options?: WriteQueueOptions<T>): WriteQueue<T>;
  /** A consumer: `pop`, `take`, `for await`, `process`. Closed by {@link Ipc.close}. */
  reader(options?: ReadQueueOptions<T>): ReadQueue<T>;
}

/** The ends of one named event stream. */
export interface StreamHandle<T> {
  /** A publisher: `publish`, `publishMany`. */
  writer(options?: WriteStreamOptions<T>): WriteStream<T>;
  /** A fan-out reader that sees every event. Closed by {@link Ipc.close}. */
  reader(options?: ReadStreamOptions<T>): ReadStream<T>;
  /** A member of a consumer group: each event goes to one consumer of the group. Closed by {@link Ipc.close}. */
  group(group: string, consumer: string, options?: ConsumerGroupOptions<T>): ConsumerGroup<T>;
}

/** Every structure over one shared {@link IpcClient}. Made by {@link createIpc}. */
export interface Ipc {
  /** The shared client (connections, key naming). */
  readonly client: IpcClient;
  /** The queue named `name`. */
  queue<T>(name: string): QueueHandle<T>;
  /** The cache named `name`. */
  cache<T>(name: string, options?: CacheOptions<T>): Cache<T>;
  /** The event stream named `name`. */
  stream<T>(name: string): StreamHandle<T>;
  /**
   * Closes every reader, group and cache made through this object (readers and groups drain their
   * running handlers, up to their own close deadline), then the client.
   */
  close(): Promise<void>;
}

interface Closable {
  close(): unknown;
}

/**
 * One client and every structure on it, for applications that use several.
 *
 * @example
 * const ipc = createIpc('redis://127.0.0.1:6379');
 * await ipc.queue<{ id: number }>('jobs').writer().push({ id: 1 });
 * const task = await ipc.queue<{ id: number }>('jobs').reader().take({ timeoutMs: 1000 });
 * await task.ack();
 * await ipc.close();
 */
export function createIpc(urlOrOptions?: string | IpcClientOptions | IpcClient): Ipc {
  // An existing client is shared, and closed by close() like one made here.
  const client = urlOrOptions instanceof IpcClient ? urlOrOptions : createClient(urlOrOptions);
  const closables = new Set<Closable>();
  const track = <C extends Closable>(structure: C): C => {
    closables.add(structure);
    return structure;
  };

  return {
    client,
    queue: <T>(name: string): QueueHandle<T> => ({
      writer: (options) => createWriteQueue<T>(client, name, options),
      reader: (options) => track(createReadQueue<T>(client, name, options)),
    }),
    cache: <T>(name: string, options?: CacheOptions<T>) => track(createCache<T>(client, name, options)),
    stream: <T>(name: string): StreamHandle<T> => ({
      writer: (options) => createWriteStream<T>(client, name, options),
      reader: (options) => track(createReadStream<T>(client, name, options)),
      group: (group, consumer, options) =>
        track(createConsumerGroup<T>(client, name, group, consumer, options)),
    }),
    async close() {
      await Promise.allSettled([...closables].map((structure) => structure.close()));
      closables.clear();
      await client.close();
    },
  };
}
