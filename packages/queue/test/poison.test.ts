import { DecodeError, type IpcClient, isIpcError } from '@redis-ipc/core';
import { deleteKeys, redisUrl, rejection, uniquePrefix, until } from '@redis-ipc/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createReadQueue, createWriteQueue, type DeliveryMode } from '../src/index.js';
import { open } from './support/connect.js';

const Job = z.object({ n: z.number().int() });
type Job = z.infer<typeof Job>;

describe.each<DeliveryMode>(['at-least-once', 'at-most-once'])('undecodable items (%s)', (delivery) => {
  let prefix: string;
  let ipc: IpcClient;
  let main: string;

  beforeEach(async () => {
    prefix = uniquePrefix('q');
    ipc = await open(redisUrl(), { prefix });
    main = ipc.keys.structure('q', 'jobs').main;
  });

  afterEach(async () => {
    await ipc.close();
    await deleteKeys(redisUrl(), prefix);
  });

  it('moves them to the dead-letter list with the reason and reports a DecodeError', async () => {
    const writer = createWriteQueue<Job>(ipc, 'jobs');
    const reader = createReadQueue<Job>(ipc, 'jobs', { delivery, schema: Job });
    const events: DecodeError[] = [];
    reader.on('decode-error', (error) => events.push(error));
    await writer.push({ n: 1 });
    await ipc.redis.lPush(main, 'not json at all');
    await ipc.redis.lPush(main, '{"uuid":"bad-1","content":{"n":"seven"}}');
    await writer.push({ n: 2 });

    expect((await reader.take({ timeoutMs: 1000 })).value).toEqual({ n: 1 });
    const garbage = await rejection(reader.take({ timeoutMs: 1000 }));
    expect(garbage).toBeInstanceOf(DecodeError);
    expect((garbage as DecodeError).raw).toBe('not json at all');
    const invalid = await rejection(reader.take({ timeoutMs: 1000 }));
    expect(isIpcError(invalid, 'IPC_DECODE')).toBe(true);
    expect((invalid as DecodeError).id).toBe('bad-1');
    expect((invalid as DecodeError).issues?.length).toBeGreaterThan(0);
    // The loop goes on with the next good task.
    expect((await reader.take({ timeoutMs: 1000 })).value).toEqual({ n: 2 });
    expect(events).toHaveLength(2);

    const letters = await reader.deadLetters();
    expect(letters.map((letter) => letter.item)).toEqual([
      '{"uuid":"bad-1","content":{"n":"seven"}}',
      'not json at all',
    ]);
    expect(letters[0]!.id).toBe('bad-1');
    expect(letters[0]!.reason).toMatch(/^undecodable: /);
    expect(letters[1]!.reason).toMatch(/not a task envelope/);
    expect(await reader.counts()).toMatchObject({
      waiting: 0,
      inFlight: delivery === 'at-least-once' ? 2 : 0,
    });
    await reader.close();
  });

  it('skips them with an event when decodeErrors is "skip", and process() never stops on them', async () => {
    const writer = createWriteQueue<Job>(ipc, 'jobs');
    const reader = createReadQueue<Job>(ipc, 'jobs', { delivery, schema: Job, decodeErrors: 'skip' });
    let decodeErrors = 0;
    reader.on('decode-error', () => decodeErrors++);
    await ipc.redis.lPush(main, '{"uuid":"x"');
    await writer.push({ n: 1 });
    expect((await reader.take({ timeoutMs: 1000 })).value).toEqual({ n: 1 });
    expect(decodeErrors).toBe(1);

    const handled: number[] = [];
    reader.process((job) => {
      handled.push(job.n);
    });
    await ipc.redis.lPush(main, '[1,2,3]');
    await writer.push({ n: 2 });
    await ipc.redis.lPush(main, '{"uuid":"y","content":null}');
    await writer.push({ n: 3 });
    await until(() => handled.length === 2, 5000, 'good tasks handled');
    expect(handled).toEqual([2, 3]);
    expect(decodeErrors).toBe(3);
    expect(await reader.deadLetterCount()).toBe(3);
    await reader.close();
  });

  it('reads what the Rust crate wrote (an uppercase UUID, other field order, whitespace)', async () => {
    const reader = createReadQueue<Job>(ipc, 'jobs', { delivery });
    await ipc.redis.lPush(main, '{ "content": {"n": 5}, "uuid": "ABC-1" }');
    const task = await reader.take({ timeoutMs: 1000 });
    expect(task.value).toEqual({ n: 5 });
    await task.ack();
    await reader.close();
  });
});
