import { createClient, isIpcError } from '@redis-ipc/core';
import { createWriteQueue } from '@redis-ipc/queue';
import { createClient as createPlainClient } from 'redis';
import type { Role } from '../run/role.js';
import type { PushBatch, PushPlan, TaskValue } from './plan.js';

/** Parameters of the {@link producer} role. */
export interface ProducerParams {
  readonly queue: string;
  readonly dedupeWindowMs: number;
  readonly batches: readonly PushBatch[];
}

// A push whose connection broke has an unknown outcome: retried with its id when it has one.
const ATTEMPTS = 3;

/** What `push` resolved to: an id (today) or `{ id, pushed }`. */
function readResult(result: unknown): { id: unknown; pushed: unknown } {
  if (typeof result === 'object' && result !== null) {
    const { id, pushed } = result as { id?: unknown; pushed?: unknown };
    return { id, pushed };
  }
  return { id: result, pushed: undefined };
}

function taskValue(push: PushPlan): TaskValue {
  return { n: push.n, kind: push.kind, ms: push.ms };
}

/**
 * Pushes its batches on schedule (one `push` each, or one `pushMany`), and writes garbage items with a
 * plain client. Journal: `push` before each attempt, then `pushed` (with the id and, when the API says
 * it, whether it was added), `garbage`, or `push-error` (with `unknown: true` when the outcome is
 * unknown).
 */
export const producer: Role<ProducerParams> = async ({ url, params, journal }) => {
  const ipc = createClient(url);
  ipc.on('error', () => {});
  await ipc.connect();
  const plain = createPlainClient({ url });
  plain.on('error', () => {});
  await plain.connect();
  const writer = createWriteQueue<TaskValue>(ipc, params.queue, { dedupeWindowMs: params.dedupeWindowMs });
  const mainKey = ipc.keys.structure('q', params.queue).main;

  const attempt = async <R>(ns: readonly number[], withIds: boolean, op: () => Promise<R>) => {
    for (let tries = 1; ; tries += 1) {
      journal.write('push', { ns, try: tries });
      try {
        return await op();
      } catch (error) {
        const unknown = isIpcError(error, 'IPC_CONNECTION');
        if (unknown && withIds && tries < ATTEMPTS) continue;
        journal.write('push-error', {
          ns,
          unknown,
          code: (error as { code?: string }).code ?? String(error),
        });
        return undefined;
      }
    }
  };

  const pushOne = async (push: PushPlan) => {
    if (push.kind === 'garbage') {
      const item = `not json ${push.n}`;
      journal.write('push', { ns: [push.n] });
      try {
        await plain.lPush(mainKey, item);
        journal.write('garbage', { n: push.n, item });
      } catch (error) {
        journal.write('push-error', { ns: [push.n], unknown: true, code: String(error) });
      }
      return;
    }
    const result = await attempt([push.n], push.id !== undefined, () =>
      writer.push(taskValue(push), push.id === undefined ? {} : { id: push.id }),
    );
    if (result === undefined) return;
    const { id, pushed } = readResult(result);
    journal.write('pushed', { n: push.n, id, pushed, repeats: push.repeats });
  };

  const pushMany = async (pushes: readonly PushPlan[]) => {
    const ids = pushes.every((p) => p.id !== undefined) ? pushes.map((p) => p.id as string) : undefined;
    const result = await attempt(
      pushes.map((p) => p.n),
      ids !== undefined,
      () => writer.pushMany(pushes.map(taskValue), ids ? { ids } : {}) as Promise<readonly unknown[]>,
    );
    if (result === undefined) return;
    pushes.forEach((push, i) => {
      const { id, pushed } = readResult(result[i]);
      journal.write('pushed', { n: push.n, id, pushed, repeats: push.repeats });
    });
  };

  const started = Date.now();
  const done = (async () => {
    for (const batch of params.batches) {
      const wait = started + batch.atMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (batch.many && batch.pushes.length > 0) await pushMany(batch.pushes);
      else await Promise.all(batch.pushes.map(pushOne));
    }
    journal.write('producer-done');
  })();

  return {
    done,
    close: async () => {
      await Promise.allSettled([ipc.close(), plain.close()]);
    },
  };
};
