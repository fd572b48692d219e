import { createClient } from '@redis-ipc/core';
import { createReadQueue, type Task } from '@redis-ipc/queue';
import type { Role } from '../run/role.js';
import { burn, describeError as describe, spin } from '../run/work.js';
import type { ReaderSettings, TaskValue } from './plan.js';

/** Parameters of the {@link consumer} role. */
export interface ConsumerParams {
  readonly queue: string;
  readonly reader: ReaderSettings;
  readonly concurrency: number;
}

/**
 * One consumer process: a reader with a `process` worker whose handler does what each task's kind
 * says. Journal: `start` (n, id, deliveries) when a handler starts, `done` when it returns normally,
 * `acked` / `ack-failed` when the ack settles, `threw`, `failed` (the reader's failed-handler event,
 * with the outcome), `aborted` (task.signal), `late` (a hung handler returning after its time limit),
 * `dead-letter`, `decode-error`, `lease-lost`, `recovered`, `error`.
 */
export const consumer: Role<ConsumerParams> = async ({ url, params, journal }) => {
  const ipc = createClient(url);
  ipc.on('error', () => {});
  await ipc.connect();
  const reader = createReadQueue<TaskValue>(ipc, params.queue, {
    delivery: params.reader.delivery,
    leaseMs: params.reader.leaseMs,
    maxDeliveries: params.reader.maxDeliveries,
    retryDelayMs: params.reader.retryDelayMs,
    prefetch: params.reader.prefetch,
  });
  reader.on('error', (error) => journal.write('error', { code: error.code, message: error.message }));
  reader.on('dead-letter', (event) =>
    journal.write('dead-letter', { id: event.id, reason: event.reason, d: event.deliveries }),
  );
  reader.on('decode-error', (error) => journal.write('decode-error', { id: error.id }));
  reader.on('lease-lost', () => journal.write('lease-lost'));
  reader.on('recovered', (event) => journal.write('recovered', { ...event }));
  // The failed-handler event is being renamed from 'task-failed' to 'failed': listen to both, log once.
  const failed = new WeakSet<object>();
  const onFailed = (event: { task: Task<TaskValue>; error: unknown; outcome: string }) => {
    if (failed.has(event.task)) return;
    failed.add(event.task);
    const n = event.task.value.n;
    journal.write('failed', {
      n,
      d: event.task.deliveries,
      outcome: event.outcome,
      error: describe(event.error),
    });
  };
  const events = reader as unknown as { on(name: string, listener: (event: never) => void): void };
  events.on('task-failed', onFailed);
  events.on('failed', onFailed);

  const finish = (value: TaskValue, task: Task<TaskValue>) => {
    journal.write('done', { n: value.n, d: task.deliveries });
    task.ack().then(
      (result: unknown) => journal.write('acked', { n: value.n, d: task.deliveries, result }),
      (error: unknown) =>
        journal.write('ack-failed', { n: value.n, d: task.deliveries, error: describe(error) }),
    );
  };

  const handler = (value: TaskValue, task: Task<TaskValue>): Promise<void> | undefined => {
    journal.write('start', { n: value.n, id: task.id, d: task.deliveries });
    task.signal.addEventListener('abort', () =>
      journal.write('aborted', { n: value.n, d: task.deliveries, reason: describe(task.signal.reason) }),
    );
    switch (value.kind) {
      case 'crash':
        process.kill(process.pid, 'SIGKILL');
        return new Promise(() => {});
      case 'cpu':
        burn(value.ms);
        finish(value, task);
        return undefined;
      case 'spin':
        return spin(value.ms).then(() => finish(value, task));
      case 'fail':
        journal.write('threw', { n: value.n, d: task.deliveries });
        throw new Error(`task ${value.n} always fails`);
      case 'flaky':
        if (task.deliveries === 1) {
          journal.write('threw', { n: value.n, d: task.deliveries });
          throw new Error(`task ${value.n} fails on its first delivery`);
        }
        finish(value, task);
        return undefined;
      case 'hang':
        if (task.deliveries === 1) {
          // Ignores task.signal: runs on past the time limit; its outcome must be ignored.
          return new Promise<void>((r) => setTimeout(r, params.reader.timeoutMs * 2)).then(() => {
            journal.write('late', { n: value.n, d: task.deliveries });
          });
        }
        finish(value, task);
        return undefined;
      default:
        return new Promise<void>((r) => setTimeout(r, value.ms)).then(() => finish(value, task));
    }
  };

  const worker = reader.process(handler, {
    concurrency: params.concurrency,
    timeoutMs: params.reader.timeoutMs,
  });
  return {
    close: async () => {
      await worker.close({ timeoutMs: 3000 });
      await reader.close({ timeoutMs: 3000 });
      await ipc.close();
    },
  };
};
