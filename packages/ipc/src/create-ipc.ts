import { type Cache, type CacheOptions, createCache } from '@redis-ipc/cache';
import { createClient, type IpcClient, type IpcClientOptions, isIpcClient } from '@redis-ipc/core';
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
import { isClosed, StructureCache } from './structure-cache.js';

/** The two ends of one named queue. */
export interface QueueHandle<T> {
  /**
   * A producer: `push`, `pushMany`. Asking again with equal options returns the same writer.
   */
  writer(options?: WriteQueueOptions<T>): WriteQueue<T>;
  /**
   * A consumer: `pop`, `take`, `for await`, `process`. Asking again with equal options returns the same
   * reader (until it is closed). Closed by {@link Ipc.close}.
   */
  reader(options?: ReadQueueOptions<T>): ReadQueue<T>;
}

/** The ends of one named event stream. */
export interface StreamHandle<T> {
  /** A publisher: `publish`, `publishMany`. Asking again with equal options returns the same writer. */
  writer(options?: WriteStreamOptions<T>): WriteStream<T>;
  /**
   * A new fan-out reader that sees every event, with a cursor of its own: every call makes another,
   * so keep it. Closed by {@link Ipc.close}, and forgotten once you close it yourself.
   */
  reader(options?: ReadStreamOptions<T>): ReadStream<T>;
  /**
   * A member of a consumer group: each event goes to one consumer of the group. Asking again for the
   * same group, consumer and options returns the same one (until it is closed). Closed by
   * {@link Ipc.close}.
   */
  group(group: string, consumer: string, options?: ConsumerGroupOptions<T>): ConsumerGroup<T>;
}

/** Every structure over one shared {@link IpcClient}. Made by {@link createIpc}. */
export interface Ipc {
  /** The shared client (connections, key naming). */
  readonly client: IpcClient;
  /** The queue named `name`. */
  queue<T>(name: string): QueueHandle<T>;
  /**
   * The cache named `name`. Asking again with equal options returns the same cache, so
   * `ipc.cache('users')` may be called in every request. Options are equal when their plain values are;
   * codecs, schemas and functions must be the same objects.
   */
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
 * One client and every structure on it, for applications that use several. Structures are made once
 * per name and options and then shared (stream readers excepted: each has its own cursor).
 *
 * `urlOrOptions` may also be an {@link IpcClient} made elsewhere — recognised by its
 * `Symbol.for('redis-ipc.client')` brand, so one made by another copy of `@redis-ipc/core` works too —
 * which is then shared, and closed by {@link Ipc.close} like one made here.
 *
 * @example
 * const ipc = createIpc('redis://127.0.0.1:6379');
 * await ipc.queue<{ id: number }>('jobs').writer().push({ id: 1 });
 * const task = await ipc.queue<{ id: number }>('jobs').reader().take({ timeoutMs: 1000 });
 * await task.ack();
 * await ipc.close();
 */
export function createIpc(urlOrOptions?: string | IpcClientOptions | IpcClient): Ipc {
  const client = isIpcClient(urlOrOptions) ? urlOrOptions : createClient(urlOrOptions);
  const made = new StructureCache();
  // Stream readers are not shared; those closed by their owner are dropped as new ones come.
  const readers = new Set<Closable & object>();
  const trackReader = <R extends Closable & object>(reader: R): R => {
    for (const old of readers) if (isClosed(old)) readers.delete(old);
    readers.add(reader);
    return reader;
  };
  const key = (...parts: string[]) => JSON.stringify(parts);

  return {
    client,
    queue: <T>(name: string): QueueHandle<T> => ({
      writer: (options) =>
        made.get(key('queue-writer', name), options, () => createWriteQueue<T>(client, name, options)),
      reader: (options) =>
        made.get(key('queue-reader', name), options, () => createReadQueue<T>(client, name, options)),
    }),
    cache: <T>(name: string, options?: CacheOptions<T>) =>
      made.get(key('cache', name), options, () => createCache<T>(client, name, options)),
    stream: <T>(name: string): StreamHandle<T> => ({
      writer: (options) =>
        made.get(key('stream-writer', name), options, () => createWriteStream<T>(client, name, options)),
      reader: (options) => trackReader(createReadStream<T>(client, name, options)),
      group: (group, consumer, options) =>
        made.get(key('group', name, group, consumer), options, () =>
          createConsumerGroup<T>(client, name, group, consumer, options),
        ),
    }),
    async close() {
      const closables = [...made.structures(), ...readers].filter(
        (structure): structure is Closable & object =>
          typeof (structure as Partial<Closable>).close === 'function',
      );
      made.clear();
      readers.clear();
      await Promise.allSettled(closables.map((structure) => structure.close()));
      await client.close();
    },
  };
}
