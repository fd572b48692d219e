import { createClient } from '@redis-ipc/core';
import { createConsumerGroup, type GroupEvent } from '@redis-ipc/stream';
import type { Role } from '../run/role.js';
import { burn, describeError, pause } from '../run/work.js';
import type { EventValue, GroupSettings } from './plan.js';

/** Parameters of the {@link groupMember} role. */
export interface MemberParams {
  readonly stream: string;
  readonly group: string;
  readonly settings: GroupSettings;
  readonly concurrency: number;
}

/**
 * One consumer of the group (named after its process label), running `process`. Journal: `start`
 * (n, id, deliveries), `done`, `threw`, `late` (a hung handler returning after its time limit),
 * `failed`, `dead-letter`, `reclaimed`, `trimmed`, `gap`, `decode-error`, `error`, `process-ended` (code).
 */
export const groupMember: Role<MemberParams> = async ({ url, params, journal, label }) => {
  const ipc = createClient(url);
  ipc.on('error', () => {});
  await ipc.connect();
  const { settings } = params;
  const group = createConsumerGroup<EventValue>(ipc, params.stream, params.group, label, {
    minIdleMs: settings.minIdleMs,
    reclaimIntervalMs: settings.reclaimIntervalMs,
    maxDeliveries: settings.maxDeliveries,
    startId: '0',
  });
  group.on('failed', (error, event) =>
    journal.write('failed', {
      n: event.value.n,
      id: event.id,
      d: event.deliveries,
      error: describeError(error),
    }),
  );
  group.on('dead-letter', (notice) =>
    journal.write('dead-letter', { id: notice.id, reason: notice.reason, deliveries: notice.deliveries }),
  );
  group.on('reclaimed', (ids) => journal.write('reclaimed', { ids }));
  group.on('trimmed', (ids) => journal.write('trimmed', { ids }));
  group.on('gap', (gap) => journal.write('gap', { after: gap.after, before: gap.before, count: gap.count }));
  group.on('decode-error', (error) => journal.write('decode-error', { id: error.id }));
  group.on('error', (error) => journal.write('error', { code: error.code }));

  const handler = (value: EventValue, event: GroupEvent<EventValue>): Promise<void> | undefined => {
    const at = { n: value.n, id: event.id, d: event.deliveries };
    journal.write('start', at);
    switch (value.kind) {
      case 'crash':
        process.kill(process.pid, 'SIGKILL');
        return new Promise(() => {});
      case 'cpu':
        burn(value.ms);
        journal.write('done', at);
        return undefined;
      case 'fail':
        journal.write('threw', at);
        throw new Error(`event ${value.n} always fails`);
      case 'flaky':
        if (event.deliveries === 1) {
          journal.write('threw', at);
          throw new Error(`event ${value.n} fails on its first delivery`);
        }
        journal.write('done', at);
        return undefined;
      case 'hang':
        if (event.deliveries === 1) {
          // Ignores event.signal and runs past the time limit, and past the refresh period that
          // enforces it (minIdleMs / 3), plus a margin.
          return pause(settings.timeoutMs + settings.minIdleMs / 3 + 300).then(() =>
            journal.write('late', at),
          );
        }
        journal.write('done', at);
        return undefined;
      default:
        return pause(value.ms).then(() => journal.write('done', at));
    }
  };

  const running = group
    .process(handler, { concurrency: params.concurrency, timeoutMs: settings.timeoutMs, onGap: 'continue' })
    .then(
      () => journal.write('process-ended', {}),
      (error: unknown) => journal.write('process-ended', { code: describeError(error) }),
    );
  return {
    close: async () => {
      await group.close({ timeoutMs: 3000 });
      await running;
      await ipc.close();
    },
  };
};
