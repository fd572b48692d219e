import { bufferCodec, type IpcClient } from '@redis-ipc/core';
import { describe, expect, it } from 'vitest';
import { type Cache, type CacheOptions, createCache } from '../src/index.js';
import { cacheContext } from './connect.js';

// A writer's SET … GET uses up the waiting marker. When what it then announces is "read the key
// yourself" and the key is empty by the time the waiter reads it (the value expired, or was
// deleted), the waiter must put its marker back: otherwise the next write, by a writer that does not
// announce every write, meets no marker and tells nobody.

const t = cacheContext({ label: 'rearm' });

// Holds back every command of `ipc` but SET until the returned function is called, as a slow
// network between a write and its announcement would.
function holdBackAfterSet(ipc: IpcClient): () => void {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const redis = ipc.redis as unknown as { sendCommand(args: string[], ...rest: unknown[]): unknown };
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (args, ...rest) =>
    args[0] === 'SET' ? send(args, ...rest) : gate.then(() => send(args, ...rest));
  return release;
}

const codecs: Array<{ name: string; options: CacheOptions<unknown>; value: (n: number) => unknown }> = [
  { name: 'the buffer codec', options: { codec: bufferCodec }, value: (n) => Buffer.from([n, 0, 255]) },
  { name: 'the JSON codec', options: {}, value: (n) => ({ n }) },
];

describe.each(codecs)('a consumed waiting marker, with $name', ({ options, value }) => {
  it('is put back when the announced value is already gone, so the next write wakes the waiter', async () => {
    const readerIpc = await t.client();
    // Only announcements may wake the waiter: no re-check for foreign writes.
    const reader = createCache<unknown>(readerIpc, 'gone', {
      ...options,
      foreignWritePollMs: Number.POSITIVE_INFINITY,
    });
    const valueKey = `${t.prefix}:{gone}:c:k:k`;
    const waiting = reader.waitFor('k', { timeoutMs: 8000 });
    await t.until(async () => (await readerIpc.redis.exists(valueKey)) === 1);

    // Writer B: its SET … GET meets the marker, the value expires before the announcement goes out.
    const writerB = await t.client();
    const release = holdBackAfterSet(writerB);
    const written = createCache<unknown>(writerB, 'gone', options).set('k', value(1), { ttlMs: 1 });
    await t.until(async () => (await readerIpc.redis.exists(valueKey)) === 0);
    release();
    await written;
    await t.pause(300);

    // Writer C, another process that met no waiter lately: a plain SET … GET.
    const writerC: Cache<unknown> = createCache<unknown>(await t.client(), 'gone', options);
    const started = performance.now();
    await writerC.set('k', value(2));
    expect(await waiting).toEqual(value(2));
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('waiting markers removed by another program', () => {
  it('are put back by the next re-check, so the next write wakes their waiters at once', async () => {
    const ipc = await t.client();
    // The re-check every 300 ms is what notices; it must also put the markers back.
    const reader = createCache<number>(ipc, 'foreign-del', { foreignWritePollMs: 300 });
    const keys = ['a', 'b', 'c'];
    const valueKey = (key: string) => `${t.prefix}:{foreign-del}:c:k:${key}`;
    const waits = keys.map((key) => reader.waitFor(key, { timeoutMs: 8000 }));
    await t.until(async () => (await t.plain.exists(keys.map(valueKey))) === keys.length);
    // Another program deletes the markers: the next library write to these keys would tell nobody.
    await t.plain.del(keys.map(valueKey));
    await t.until(async () => (await t.plain.exists(keys.map(valueKey))) === keys.length, 3000);
    const writer = createCache<number>(await t.client(), 'foreign-del', {
      foreignWritePollMs: Number.POSITIVE_INFINITY,
    });
    await writer.mset(keys.map((key, i): [string, number] => [key, i]));
    expect(await Promise.all(waits)).toEqual([0, 1, 2]);
  });
});
