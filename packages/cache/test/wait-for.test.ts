import { isIpcError } from '@redis-ipc/core';
import { rejection } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { createCache } from '../src/index.js';
import { cacheContext } from './connect.js';

// Prefixed mode's waiting machinery: one subscription, waiting markers, recall of announced values.
// What every store does when waiting is in suite/wait-for.ts.
const t = cacheContext();

async function subscribers(
  ipc: { redis: { sendCommand(args: string[]): Promise<unknown> } },
  channel: string,
) {
  const reply = (await ipc.redis.sendCommand(['PUBSUB', 'NUMSUB', channel])) as [string, number];
  return Number(reply[1]);
}

describe('waitFor', () => {
  it('resolves at once when the key already has a value, without subscribing', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'present');
    await cache.set('k', 7);
    expect(await cache.waitFor('k', { timeoutMs: 1000 })).toBe(7);
    expect(cache.waiting).toBe(0);
    expect(await subscribers(ipc, `${t.prefix}:{present}:c:e`)).toBe(0);
  });

  it('serves a thousand waiters with one subscription on one connection', async () => {
    const ipc = await t.client();
    const reader = createCache<number>(ipc, 'crowd');
    const writer = createCache<number>(await t.client(), 'crowd');
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
    const waits = keys.map((key) => reader.waitFor(key, { timeoutMs: 20_000 }));
    const shared = Array.from({ length: 200 }, () => reader.waitFor('shared', { timeoutMs: 20_000 }));
    await t.until(() => reader.waiting === 1200);
    // Every key is armed (the marker is in place) before we count.
    await t.until(async () => (await ipc.redis.exists(`${t.prefix}:{crowd}:c:k:k999`)) === 1);
    expect(await subscribers(ipc, `${t.prefix}:{crowd}:c:e`)).toBe(1);
    expect(ipc.blockingConnections).toBe(0);
    const channels = (await ipc.redis.sendCommand(['PUBSUB', 'CHANNELS', `${t.prefix}*`])) as string[];
    expect(channels).toEqual([`${t.prefix}:{crowd}:c:e`]);
    for (let i = 0; i < keys.length; i += 100) {
      await writer.mset(keys.slice(i, i + 100).map((key, j): [string, number] => [key, i + j]));
    }
    await writer.set('shared', -1);
    expect(await Promise.all(waits)).toEqual(keys.map((_, i) => i));
    expect(new Set(await Promise.all(shared))).toEqual(new Set([-1]));
    await t.until(() => reader.waiting === 0);
  });

  it('finds a value that is there even with a timeout shorter than a round trip', async () => {
    const cache = createCache<number>(await t.client(), 'zero');
    await cache.set('present', 1);
    // Another wait keeps the cache subscribed, so each of these goes straight to arming its key.
    const other = cache.waitFor('absent', { timeoutMs: 10_000 }).catch(() => undefined);
    await t.until(() => cache.waiting === 1);
    for (let i = 0; i < 3; i++) expect(await cache.waitFor('present', { timeoutMs: 0 })).toBe(1);
    expect(isIpcError(await rejection(cache.waitFor('absent', { timeoutMs: 0 })), 'IPC_TIMEOUT')).toBe(true);
    cache.close();
    await other;
  });

  it('hides the waiting marker from every read, and keeps it through delete and clear', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'marker');
    const waiting = cache.waitFor('k', { timeoutMs: 10_000 });
    await t.until(async () => (await ipc.redis.exists(`${t.prefix}:{marker}:c:k:k`)) === 1);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.getEntry('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
    expect(await cache.mget(['k'])).toEqual([undefined]);
    expect(await cache.delete('k')).toBe(false);
    expect(await cache.clear()).toBe(0);
    // The marker is still there, so this write (from another client) is announced.
    const writer = createCache<number>(await t.client(), 'marker');
    await writer.set('k', 5);
    expect(await waiting).toBe(5);
  });

  it('lets the marker of an abandoned wait expire shortly after its deadline', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'stale');
    await rejection(cache.waitFor('k', { timeoutMs: 300 }));
    const pttl = await ipc.redis.pTTL(`${t.prefix}:{stale}:c:k:k`);
    expect(pttl).toBeLessThanOrEqual(1300);
    expect(pttl).toBeGreaterThan(0);
  });

  it('drops its subscription a while after the last waiter leaves', async () => {
    const ipc = await t.client();
    const cache = createCache<number>(ipc, 'linger');
    await rejection(cache.waitFor('k', { timeoutMs: 50 }));
    // Still subscribed after the wait (the subscription may complete after a 50 ms wait on a busy
    // machine), then dropped once it has lingered.
    await t.until(async () => (await subscribers(ipc, `${t.prefix}:{linger}:c:e`)) === 1);
    await t.until(async () => (await subscribers(ipc, `${t.prefix}:{linger}:c:e`)) === 0, 6000);
    // And subscribes again for the next waiter.
    const writer = createCache<number>(await t.client(), 'linger');
    const waiting = cache.waitFor('k2', { timeoutMs: 10_000 });
    await t.until(async () => (await subscribers(ipc, `${t.prefix}:{linger}:c:e`)) === 1);
    await t.pause(20);
    await writer.set('k2', 2);
    expect(await waiting).toBe(2);
  });

  it('never hands out a value deleted before its announcement went out', async () => {
    const readerIpc = await t.client();
    const writerIpc = await t.client();
    const reader = createCache<string>(readerIpc, 'late');
    const writer = createCache<string>(writerIpc, 'late');
    const valueKey = `${t.prefix}:{late}:c:k:k`;
    // The reader's wait leaves a waiting marker: the writer's SET … GET meets it, and the writer
    // announces the value in a second step.
    const waiting = reader.waitFor('k', { timeoutMs: 10_000 });
    await t.until(async () => (await readerIpc.redis.exists(valueKey)) === 1);
    // Hold back every command of the writer after its SET, as a slow network would.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const redis = writerIpc.redis as unknown as { sendCommand(args: string[], ...rest: unknown[]): unknown };
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = (args, ...rest) =>
      args[0] === 'SET' ? send(args, ...rest) : gate.then(() => send(args, ...rest));
    const writing = writer.set('k', 'old');
    await t.until(async () => (await readerIpc.redis.get(valueKey))?.endsWith('"old"') === true);
    // Deleted (by another client) between the write and its announcement.
    expect(await reader.delete('k')).toBe(true);
    release();
    await writing;
    await t.pause(50);
    // Neither the waiter nor a later wait gets the deleted value.
    expect(isIpcError(await rejection(reader.waitFor('k', { timeoutMs: 0 })), 'IPC_TIMEOUT')).toBe(true);
    await writer.set('k', 'new');
    expect(await waiting).toBe('new');
  });

  it('answers a wait that starts just after an announced write from memory, and honours removals', async () => {
    const ipc = await t.client();
    const reader = createCache<number>(ipc, 'recall');
    const writer = createCache<number>(await t.client(), 'recall');
    const marker = (key: string) => `${t.prefix}:{recall}:c:k:${key}`;
    // A write that meets a waiting reader puts the writer in announcing mode for a while.
    const meetReader = async (key: string) => {
      const waiting = reader.waitFor(key, { timeoutMs: 10_000 });
      await t.until(async () => (await ipc.redis.exists(marker(key))) === 1);
      await writer.set(key, -1);
      await waiting;
    };
    let recalled = false;
    for (let attempt = 0; attempt < 10 && !recalled; attempt++) {
      await meetReader(`primer${attempt}`);
      const key = `next${attempt}`;
      await writer.set(key, attempt);
      await t.pause(2);
      const waiting = reader.waitFor(key, { timeoutMs: 10_000 });
      // Answered from memory: no watcher was needed.
      recalled = reader.waiting === 0;
      expect(await waiting).toBe(attempt);
    }
    expect(recalled).toBe(true);

    // A deletion through the library is announced too, and the remembered value is dropped. The
    // reader has surely handled that announcement once it sees a later one on the same channel.
    await meetReader('primer');
    const after = reader.waitFor('after', { timeoutMs: 10_000 });
    await t.until(async () => (await ipc.redis.exists(marker('after'))) === 1);
    await writer.set('gone', 1);
    await writer.delete('gone');
    await writer.set('after', 2);
    await after;
    expect(isIpcError(await rejection(reader.waitFor('gone', { timeoutMs: 200 })), 'IPC_TIMEOUT')).toBe(true);
    // Nor is an expired value used.
    await meetReader('primer-brief');
    await writer.set('brief', 1, { ttlMs: 5 });
    await t.pause(20);
    expect(isIpcError(await rejection(reader.waitFor('brief', { timeoutMs: 200 })), 'IPC_TIMEOUT')).toBe(
      true,
    );
  });
});
