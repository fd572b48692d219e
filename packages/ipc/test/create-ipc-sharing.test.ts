import { testContext } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { createIpc, IpcClient, jsonCodec } from '../src/index.js';
import { connect } from './connect.js';

// The built core loaded a second time, as a second copy of the package in node_modules would be.
async function secondCopyOfCore(): Promise<typeof import('@redis-ipc/core')> {
  return import(/* @vite-ignore */ new URL('../../core/dist/index.js?second-copy', import.meta.url).href);
}

describe('createIpc shares what it makes', () => {
  const t = testContext({ label: 'ipc', connect });

  it('returns the same cache for the same name and options, however often it is asked', async () => {
    const ipc = t.ipc;
    const first = ipc.cache<string>('users', { ttlMs: 60_000 });
    for (let request = 0; request < 1000; request++) {
      expect(ipc.cache<string>('users', { ttlMs: 60_000 })).toBe(first);
    }
    await ipc.cache<string>('users', { ttlMs: 60_000 }).set('42', 'Ada');
    expect(await first.get('42')).toBe('Ada');
    expect(ipc.cache('users')).not.toBe(first);
    expect(ipc.cache('users', { ttlMs: 1000 })).not.toBe(first);
    expect(ipc.cache('others', { ttlMs: 60_000 })).not.toBe(first);
    const codec = jsonCodec<string>();
    expect(ipc.cache('users', { codec })).toBe(ipc.cache('users', { codec }));
    expect(ipc.queue('jobs').writer()).toBe(ipc.queue('jobs').writer());
    expect(ipc.queue('jobs').reader()).toBe(ipc.queue('jobs').reader());
    expect(ipc.stream('log').group('g', 'c1')).toBe(ipc.stream('log').group('g', 'c1'));
    expect(ipc.stream('log').group('g', 'c2')).not.toBe(ipc.stream('log').group('g', 'c1'));
    // Each fan-out reader has a cursor of its own.
    expect(ipc.stream('log').reader()).not.toBe(ipc.stream('log').reader());
  });

  it('makes a new reader when the one it had was closed', async () => {
    const reader = t.ipc.queue('jobs').reader();
    await reader.close();
    const next = t.ipc.queue('jobs').reader();
    expect(next).not.toBe(reader);
    expect(next.closed).toBe(false);
  });

  it('makes a new cache when the one it had was closed', async () => {
    const cache = t.ipc.cache<string>('users');
    cache.close();
    expect(cache.closed).toBe(true);
    const next = t.ipc.cache<string>('users');
    expect(next).not.toBe(cache);
    await next.set('1', 'Ada');
    expect(await next.get('1')).toBe('Ada');
  });

  it('recognises a client made by another copy of core by its brand, not its class', async () => {
    const other = await secondCopyOfCore();
    const client = other.createClient({ url: t.url, prefix: t.prefix });
    expect(client instanceof IpcClient).toBe(false);
    const ipc = createIpc(client as unknown as IpcClient);
    expect(ipc.client).toBe(client);
    await ipc.cache<number>('n').set('a', 1);
    expect(await ipc.cache<number>('n').get('a')).toBe(1);
    await ipc.close();
    expect(client.closed).toBe(true);
  });
});
