// Producers and consumers of several queues at once, on one server or on a cluster: the roles of the
// cluster section. The role's `url` is a Redis URL, or `cluster:` and the root node URLs, comma-separated.
import { createClient, type IpcClient } from '@redis-ipc/core';
import { createReadQueue, createWriteQueue } from '@redis-ipc/queue';
import { inFlight, nowNs } from '../harness/clock.js';
import { makeTask, type Task } from '../harness/payload.js';
import type { Role } from '../harness/role.js';

/** Parameters of a producer or consumer of several queues. */
export interface ManyQueuesParams {
  /** The queues this process serves. */
  readonly names: readonly string[];
  /** Tasks per queue. */
  readonly perQueue: number;
  /** Pushes in flight at once, per queue (producers). */
  readonly inFlight: number;
  /** Handlers running at once, per queue (consumers). */
  readonly concurrency: number;
}

/** When a producer or consumer started and ended, on the shared monotonic clock. */
export interface SpanReport {
  readonly startAt: number;
  readonly endAt: number;
}

const CLUSTER = 'cluster:';

/** The `url` a role gets for a cluster whose root nodes are `urls`. */
export function clusterUrl(urls: readonly string[]): string {
  return `${CLUSTER}${urls.join(',')}`;
}

function connect(url: string): Promise<IpcClient> {
  const client = url.startsWith(CLUSTER)
    ? createClient({
        cluster: {
          rootNodes: url
            .slice(CLUSTER.length)
            .split(',')
            .map((node) => ({ url: node })),
        },
      })
    : createClient(url);
  return client.connect();
}

export const producer: Role<ManyQueuesParams, SpanReport> = async ({ url, params }) => {
  const ipc = await connect(url);
  const queues = params.names.map((name) => createWriteQueue<Task>(ipc, name));
  // Warm-up on side queues (nobody reads them): compiling the hot code is not measured.
  const sides = params.names.map((name) => createWriteQueue<Task>(ipc, `${name}-warmup`));
  await Promise.all(sides.map((side) => inFlight(2_000, params.inFlight, (i) => side.push(makeTask(i)))));
  return {
    run: async () => {
      const startAt = nowNs();
      await Promise.all(
        queues.map((queue) => inFlight(params.perQueue, params.inFlight, (i) => queue.push(makeTask(i)))),
      );
      return { startAt, endAt: nowNs() };
    },
    close: () => ipc.close(),
  };
};

export const consumer: Role<ManyQueuesParams, SpanReport> = async ({ url, params }) => {
  const ipc = await connect(url);
  const startAt = { value: 0 };
  let remaining = params.names.length * params.perQueue;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const readers = params.names.map((name) => createReadQueue<Task>(ipc, name));
  for (const reader of readers) {
    reader.process(
      () => {
        if (--remaining === 0) finish();
      },
      { concurrency: params.concurrency },
    );
  }
  return {
    run: async () => {
      startAt.value = nowNs();
      await done;
      return { startAt: startAt.value, endAt: nowNs() };
    },
    close: async () => {
      await Promise.all(readers.map((reader) => reader.close()));
      await ipc.close();
    },
  };
};
