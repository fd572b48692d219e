import { createClient } from '@redis-ipc/core';
import { createReadStream } from '@redis-ipc/stream';
import type { Role } from '../run/role.js';
import { describeError, pause } from '../run/work.js';
import type { EventValue } from './plan.js';

/** Parameters of the {@link fanOutReader} role. */
export interface ReaderParams {
  readonly stream: string;
}

/**
 * A fan-out reader from the start of the stream (`from: '0'`), iterating with `for await`. Journal:
 * `seen` (n, id) for every event in the order delivered, `gap` (after, before, count), `decode-error`
 * (id), `loop-error` when the iteration ended with an error (it starts again from the cursor).
 */
export const fanOutReader: Role<ReaderParams> = async ({ url, params, journal }) => {
  const ipc = createClient(url);
  ipc.on('error', () => {});
  await ipc.connect();
  const reader = createReadStream<EventValue>(ipc, params.stream, { from: '0' });
  reader.on('gap', (gap) => journal.write('gap', { after: gap.after, before: gap.before, count: gap.count }));
  reader.on('decode-error', (error) => journal.write('decode-error', { id: error.id }));
  reader.on('error', (error) => journal.write('error', { code: error.code }));
  let closed = false;
  const loop = (async () => {
    while (!closed) {
      try {
        for await (const event of reader) journal.write('seen', { n: event.value.n, id: event.id });
        return;
      } catch (error) {
        if (closed) return;
        journal.write('loop-error', { code: describeError(error) });
        await pause(100);
      }
    }
  })();
  return {
    close: async () => {
      closed = true;
      await reader.close();
      await loop.catch(() => {});
      await ipc.close();
    },
  };
};
