import { createClient } from '@redis-ipc/core';
import { createWriteStream } from '@redis-ipc/stream';
import { createClient as createPlainClient } from 'redis';
import type { Role } from '../run/role.js';
import type { EventValue, PublishBatch } from './plan.js';

/** Parameters of the {@link publisher} role. */
export interface PublisherParams {
  readonly stream: string;
  readonly maxLen: number | undefined;
  readonly batches: readonly PublishBatch[];
}

/**
 * Publishes its batches on schedule, and garbage entries with a plain XADD. Journal: `publish` before,
 * then `published` (n, id) — or `publish-error` with `unknown` when the outcome cannot be known.
 */
export const publisher: Role<PublisherParams> = async ({ url, params, journal }) => {
  const ipc = createClient(url);
  ipc.on('error', () => {});
  await ipc.connect();
  const plain = createPlainClient({ url });
  plain.on('error', () => {});
  await plain.connect();
  const writer = createWriteStream<EventValue>(
    ipc,
    params.stream,
    params.maxLen ? { maxLen: params.maxLen } : {},
  );
  const key = ipc.keys.structure('s', params.stream).main;

  const failed = (ns: number[], error: unknown) =>
    journal.write('publish-error', {
      ns,
      unknown: true,
      code: (error as { code?: string }).code ?? String(error),
    });

  const one = async (event: EventValue) => {
    journal.write('publish', { ns: [event.n] });
    try {
      if (event.kind === 'garbage') {
        const id = await plain.xAdd(key, '*', { content: `not json ${event.n}` });
        journal.write('published', { n: event.n, id, garbage: true });
      } else {
        const id = await writer.publish(event);
        journal.write('published', { n: event.n, id });
      }
    } catch (error) {
      failed([event.n], error);
    }
  };

  const started = Date.now();
  const done = (async () => {
    for (const batch of params.batches) {
      const wait = started + batch.atMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!batch.many) {
        // One at a time, so that ids follow n.
        for (const event of batch.events) await one(event);
        continue;
      }
      const ns = batch.events.map((e) => e.n);
      journal.write('publish', { ns });
      try {
        const ids = await writer.publishMany(batch.events);
        batch.events.forEach((event, i) => {
          journal.write('published', { n: event.n, id: ids[i] });
        });
      } catch (error) {
        failed(ns, error);
      }
    }
    journal.write('publisher-done');
  })();

  return {
    done,
    close: async () => {
      await Promise.allSettled([ipc.close(), plain.close()]);
    },
  };
};
