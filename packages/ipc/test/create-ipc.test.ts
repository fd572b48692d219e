import { pause, testContext } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { createClient, createIpc, isIpcError } from '../src/index.js';
import { connect } from './connect.js';

describe('createIpc', () => {
  const t = testContext({ label: 'ipc', connect });

  it('gives every structure over one shared client', async () => {
    const { ipc, prefix } = t;
    const jobs = ipc.queue<{ n: number }>('jobs');
    await jobs.writer().push({ n: 1 });
    const task = await jobs.reader().take({ timeoutMs: 2000 });
    expect(task.value).toEqual({ n: 1 });
    await task.ack();

    const cache = ipc.cache<string>('names');
    const waiting = cache.waitFor('42', { timeoutMs: 2000 });
    await ipc.cache<string>('names').set('42', 'Ada');
    expect(await waiting).toBe('Ada');

    const log = ipc.stream<string>('log');
    const reader = log.reader({ from: '0' });
    const id = await log.writer().publish('hello');
    expect(await reader.next({ timeoutMs: 2000 })).toMatchObject({ id, value: 'hello' });

    const group = log.group('auditors', 'a1');
    const event = await group.next({ timeoutMs: 2000 });
    expect(event.value).toBe('hello');
    await group.ack(event.id);

    expect((await ipc.client.redis.keys(`${prefix}:*`)).every((key) => key.startsWith(`${prefix}:{`))).toBe(
      true,
    );
  });

  it('closes the readers it made, then the client', async () => {
    const ipc = createIpc({ url: t.url, prefix: t.prefix });
    const reader = ipc.queue('idle').reader();
    const waiting = reader.take({ timeoutMs: 10_000 }).catch((error: unknown) => error);
    await pause(50);
    await ipc.close();
    expect(isIpcError(await waiting, 'IPC_CLOSED')).toBe(true);
    expect(reader.closed).toBe(true);
    expect(ipc.client.closed).toBe(true);
  });

  it('can share a client made elsewhere', async () => {
    const client = createClient({ url: t.url, prefix: t.prefix });
    const ipc = createIpc(client);
    expect(ipc.client).toBe(client);
    await ipc.cache<number>('n').set('a', 1);
    expect(await ipc.cache<number>('n').get('a')).toBe(1);
    await ipc.close();
    expect(client.closed).toBe(true);
  });
});
