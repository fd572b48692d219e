import { type IpcClient, isIpcError } from '@redis-ipc/core';
import { deleteKeys, pause, redisUrl, rejection, uniquePrefix } from '@redis-ipc/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReadQueue, createWriteQueue, type DeliveryMode } from '../src/index.js';
import { open } from './support/connect.js';

interface Job {
  from: string;
  n: number;
}

describe.each<DeliveryMode>(['at-least-once', 'at-most-once'])('skipOwn (%s)', (delivery) => {
  let prefix: string;
  let alice: IpcClient;
  let bob: IpcClient;

  beforeEach(async () => {
    prefix = uniquePrefix('q');
    alice = await open(redisUrl(), { prefix });
    bob = await open(redisUrl(), { prefix });
  });

  afterEach(async () => {
    await alice.close();
    await bob.close();
    await deleteKeys(redisUrl(), prefix);
  });

  it('never hands a client its own tasks; they stay queued, in order, for others', async () => {
    const aliceWriter = createWriteQueue<Job>(alice, 'jobs');
    const bobWriter = createWriteQueue<Job>(bob, 'jobs');
    const aliceReader = createReadQueue<Job>(alice, 'jobs', { delivery, skipOwn: true });
    await aliceWriter.pushMany([
      { from: 'alice', n: 1 },
      { from: 'alice', n: 2 },
    ]);
    await bobWriter.push({ from: 'bob', n: 1 });
    await aliceWriter.push({ from: 'alice', n: 3 });
    await bobWriter.push({ from: 'bob', n: 2 });

    const got = [await aliceReader.take({ timeoutMs: 1000 }), await aliceReader.take({ timeoutMs: 1000 })];
    expect(got.map((task) => task.value)).toEqual([
      { from: 'bob', n: 1 },
      { from: 'bob', n: 2 },
    ]);
    for (const task of got) await task.ack();
    expect(await aliceReader.pop()).toBeUndefined();
    expect(await aliceReader.length()).toBe(3);

    const bobReader = createReadQueue<Job>(bob, 'jobs', { delivery });
    const rest: Job[] = [];
    for (let task = await bobReader.pop(); task; task = await bobReader.pop()) {
      rest.push(task.value);
      await task.ack();
    }
    expect(rest).toEqual([
      { from: 'alice', n: 1 },
      { from: 'alice', n: 2 },
      { from: 'alice', n: 3 },
    ]);
    await aliceReader.close();
    await bobReader.close();
  });

  it("a waiting reader wakes for another client's task while only its own are queued", async () => {
    const aliceWriter = createWriteQueue<Job>(alice, 'jobs');
    const aliceReader = createReadQueue<Job>(alice, 'jobs', { delivery, skipOwn: true, skipOwnPollMs: 100 });
    // Empty queue first (a blocking wait), then one of its own tasks arrives (put back, re-checked).
    const taking = aliceReader.take({ timeoutMs: 5000 });
    await pause(50);
    await aliceWriter.push({ from: 'alice', n: 1 });
    await pause(300);
    await createWriteQueue<Job>(bob, 'jobs').push({ from: 'bob', n: 1 });
    const task = await taking;
    expect(task.value).toEqual({ from: 'bob', n: 1 });
    await task.ack();
    expect(await aliceReader.length()).toBe(1);
    const timedOut = await rejection(aliceReader.take({ timeoutMs: 300 }));
    expect(isIpcError(timedOut, 'IPC_TIMEOUT')).toBe(true);
    expect(await aliceReader.length()).toBe(1);
    await aliceReader.close();
  });
});

describe('skipOwn options', () => {
  it('is refused in raw mode, whose items carry no producer', async () => {
    const ipc = await open(redisUrl(), { raw: true });
    try {
      expect(() => createReadQueue(ipc, uniquePrefix('raw'), { skipOwn: true })).toThrow(/prefixed mode/);
    } finally {
      await ipc.close();
    }
  });
});
