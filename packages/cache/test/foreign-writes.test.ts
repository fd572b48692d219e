import { type RedisServer, standaloneTarget, startRedisServer } from '@redis-ipc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../src/index.js';
import { cacheContext } from './connect.js';

// A write that bypasses the library (a plain SET from redis-cli, another program) publishes nothing.
// What wakes a waiter then depends on the server's notify-keyspace-events.

describe('foreign writes with key-space notifications enabled', () => {
  // A server of its own: the shared one has key-space notifications off.
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer({ args: ['--notify-keyspace-events', 'K$h'] });
  });
  afterAll(async () => {
    await server.stop();
  });
  const t = cacheContext({ target: () => standaloneTarget(server.url) });

  it('wakes a waiter at once on a plain SET, with no re-check timer', async () => {
    const cache = createCache<unknown>(await t.client(), 'ks', {
      foreignWritePollMs: Number.POSITIVE_INFINITY,
    });
    const plain = t.plain;
    const bare = cache.waitFor('bare', { timeoutMs: 10_000 });
    const headed = cache.waitFor('headed', { timeoutMs: 10_000 });
    await t.until(() => cache.waiting === 2);
    await t.pause(100);
    const written = performance.now();
    await plain.set(`${t.prefix}:{ks}:c:k:bare`, '{"from":"redis-cli"}');
    await plain.set(`${t.prefix}:{ks}:c:k:headed`, '1714000000000::[1,2]');
    expect(await bare).toEqual({ from: 'redis-cli' });
    expect(await headed).toEqual([1, 2]);
    expect(performance.now() - written).toBeLessThan(1000);
  });

  it('wakes a raw-mode waiter on a plain HSET, the way the Rust crate writes', async () => {
    const name = `${t.prefix}-crate`;
    t.deleteAfter(name);
    const cache = createCache<{ id: number }>(await t.client({ raw: true }), name, {
      foreignWritePollMs: Number.POSITIVE_INFINITY,
    });
    const plain = t.plain;
    const waiting = cache.waitFor('f', { timeoutMs: 10_000 });
    await t.until(() => cache.waiting === 1);
    await t.pause(100);
    await plain.hSet(name, 'f', '{"timestamp":1714000000000,"content":{"id":7}}');
    expect(await waiting).toEqual({ id: 7 });
  });
});

describe('foreign writes without key-space notifications', () => {
  const t = cacheContext();

  it('wakes a waiter within foreignWritePollMs', async () => {
    const cache = createCache<unknown>(await t.client(), 'poll', { foreignWritePollMs: 200 });
    const plain = t.plain;
    const waiting = cache.waitFor('k', { timeoutMs: 10_000 });
    await t.until(() => cache.waiting === 1);
    await t.pause(50);
    const written = performance.now();
    await plain.set(`${t.prefix}:{poll}:c:k:k`, '"bare"');
    expect(await waiting).toBe('bare');
    expect(performance.now() - written).toBeLessThan(200 + 1000);
  });

  it('sees a foreign write only in the last look at its deadline when the re-check is off, and library writes at once', async () => {
    const cache = createCache<unknown>(await t.client(), 'nopoll', {
      foreignWritePollMs: Number.POSITIVE_INFINITY,
    });
    const plain = t.plain;
    const started = performance.now();
    const late = cache.waitFor('k', { timeoutMs: 700 });
    await t.until(() => cache.waiting === 1);
    await t.pause(50);
    await plain.set(`${t.prefix}:{nopoll}:c:k:k`, '"bare"');
    expect(await late).toBe('bare');
    expect(performance.now() - started).toBeGreaterThanOrEqual(690);
    // The value is there for anyone who looks.
    expect(await cache.waitFor('k', { timeoutMs: 1000 })).toBe('bare');
    const waiting = cache.waitFor('other', { timeoutMs: 10_000 });
    await t.until(() => cache.waiting === 1);
    await t.pause(50);
    await createCache<unknown>(await t.client(), 'nopoll').set('other', 1);
    expect(await waiting).toBe(1);
  });
});
