import { type IpcClient, type IpcError, isIpcError } from '@redis-ipc/core';
import {
  pause,
  type RedisServer,
  rejection,
  startProxy,
  startRedisServer,
  uniquePrefix,
  until,
} from '@redis-ipc/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createReadQueue, createWriteQueue, type Task } from '../src/index.js';
import { open } from './support/connect.js';

interface Job {
  n: number;
}

// These tests stop and restart Redis, so they use a server of their own (append-only file, so the
// data survives as it would in production).
describe('Redis restarts', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer({ persistent: true });
  });

  afterAll(async () => {
    await server.stop();
  });

  // Each test's clients share a key prefix of their own, and are closed after it.
  let opened: IpcClient[] = [];
  function clients(count: 1): Promise<[IpcClient]>;
  function clients(count: 2): Promise<[IpcClient, IpcClient]>;
  async function clients(count: number): Promise<IpcClient[]> {
    const prefix = uniquePrefix('restart');
    const list = await Promise.all(Array.from({ length: count }, () => open(server.url, { prefix })));
    opened.push(...list);
    return list;
  }
  afterEach(async () => {
    await Promise.all(opened.map((ipc) => ipc.close()));
    opened = [];
  });

  it('a reader blocked in take() gets a task pushed after the restart, within a second', {
    timeout: 30_000,
  }, async () => {
    const [readerIpc, writerIpc] = await clients(2);
    const reader = createReadQueue<Job>(readerIpc, 'jobs');
    const writer = createWriteQueue<Job>(writerIpc, 'jobs');
    const taking = reader.take({ timeoutMs: 20_000 });
    await pause(200);
    await server.kill();
    await pause(1500);
    await server.start();
    const back = performance.now();
    // The writer resumes by itself too: its push waits for the reconnection.
    await writer.push({ n: 1 });
    const pushedAfter = performance.now() - back;
    const task = await taking;
    const tookAfter = performance.now() - back;
    expect(task.value).toEqual({ n: 1 });
    await task.ack();
    console.info(
      `after the restart: push stored in ${pushedAfter.toFixed(0)} ms, blocked take() resolved in ${tookAfter.toFixed(0)} ms`,
    );
    expect(tookAfter).toBeLessThan(1500);
    await reader.close();
  });

  it('keeps working across a restart: scripts are reloaded, in-flight tasks survive and are acked', {
    timeout: 30_000,
  }, async () => {
    const [ipc] = await clients(1);
    const writer = createWriteQueue<Job>(ipc, 'jobs');
    const reader = createReadQueue<Job>(ipc, 'jobs', { prefetch: 0 });
    await writer.pushMany([{ n: 1 }, { n: 2 }]);
    const held = await reader.take({ timeoutMs: 1000 });
    await server.kill();
    await server.start();
    // Redis forgot the scripts (NOSCRIPT); the next take reloads them.
    const next = await reader.take({ timeoutMs: 5000 });
    expect([held.value.n, next.value.n]).toEqual([1, 2]);
    expect(await reader.inFlight()).toBe(2);
    await Promise.all([held.ack(), next.ack()]);
    expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
    await reader.close();
  });

  it('a worker keeps taking work after a restart, nothing is lost, and no listener piles up', {
    timeout: 30_000,
  }, async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    onTestFinished(() => {
      process.off('warning', onWarning);
    });
    const [ipc, producerIpc] = await clients(2);
    const writer = createWriteQueue<Job>(producerIpc, 'jobs');
    const reader = createReadQueue<Job>(ipc, 'jobs');
    const seen = new Set<number>();
    reader.process(
      async (job) => {
        await pause(1);
        seen.add(job.n);
      },
      { concurrency: 4 },
    );
    await writer.pushMany(Array.from({ length: 200 }, (_, n) => ({ n })));
    await until(() => seen.size >= 50, 5000, 'first tasks handled');
    await server.kill();
    await pause(500);
    await server.start();
    await writer.pushMany(Array.from({ length: 200 }, (_, n) => ({ n: 200 + n })));
    await until(() => seen.size === 400, 15_000, 'every task handled');
    await until(async () => (await reader.counts()).inFlight === 0, 5000, 'every task acked');
    expect(await reader.counts()).toMatchObject({ waiting: 0, delayed: 0, inFlight: 0 });
    await reader.close();
    expect(warnings).toEqual([]);
  });

  it('an iterator waits (backing off, not spinning) while Redis is down, then goes on', {
    timeout: 30_000,
  }, async () => {
    const [ipc] = await clients(1);
    const writer = createWriteQueue<Job>(ipc, 'jobs');
    const reader = createReadQueue<Job>(ipc, 'jobs');
    const errors: IpcError[] = [];
    reader.on('error', (error) => errors.push(error));
    const seen: number[] = [];
    const loop = (async () => {
      for await (const task of reader) {
        seen.push(task.value.n);
        await task.ack();
      }
    })();
    await writer.push({ n: 1 });
    await until(() => seen.length === 1, 5000, 'first task');
    await server.kill();
    const cpuBefore = process.cpuUsage();
    const downSince = performance.now();
    await pause(2000);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - downSince);
    await server.start();
    await writer.push({ n: 2 });
    await until(() => seen.length === 2, 5000, 'task after the restart');
    expect(seen).toEqual([1, 2]);
    console.info(`while Redis was down: ${errors.length} error events, ${(cpuShare * 100).toFixed(1)} % CPU`);
    expect(errors.length).toBeLessThan(20);
    expect(cpuShare).toBeLessThan(0.5);
    await reader.close();
    await loop;
  });

  it('leases expired during a long outage are not reclaimed before their readers are back', {
    timeout: 30_000,
  }, async () => {
    const [aIpc, bIpc] = await clients(2);
    const writer = createWriteQueue<Job>(aIpc, 'jobs');
    await writer.pushMany([{ n: 1 }, { n: 2 }]);
    const a = createReadQueue<Job>(aIpc, 'jobs', { leaseMs: 600, prefetch: 0 });
    const b = createReadQueue<Job>(bIpc, 'jobs', { leaseMs: 600, prefetch: 0 });
    const held: Task<Job>[] = [await a.take({ timeoutMs: 1000 }), await b.take({ timeoutMs: 1000 })];
    let lost = 0;
    a.on('lease-lost', () => lost++);
    b.on('lease-lost', () => lost++);
    // Down for longer than the lease: every lease has expired when Redis returns.
    await server.kill();
    await pause(1500);
    await server.start();
    await pause(1500);
    expect(lost).toBe(0);
    expect(await a.inFlight()).toBe(2);
    await Promise.all(held.map((task) => task.ack()));
    expect(await a.counts()).toMatchObject({ waiting: 0, inFlight: 0 });
    await a.close();
    await b.close();
  });
});

// The take script runs and leases tasks, then the connection drops before its reply arrives: the
// reader never received them, yet they sit in its in-flight hash, renewed by its lease.
describe('a lost take reply', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  async function withLostReply(
    run: (context: {
      reader: ReturnType<typeof createReadQueue<Job>>;
      writer: ReturnType<typeof createWriteQueue<Job>>;
      inFlightHere: () => Promise<number>;
      loseReplies: () => void;
      cut: () => void;
    }) => Promise<void>,
  ): Promise<void> {
    const proxy = await startProxy(server.port);
    const name = uniquePrefix('jobs');
    const readerIpc = await open(proxy.url);
    const direct = await open(server.url);
    const reader = createReadQueue<Job>(readerIpc, name, { leaseMs: 600 });
    const errors: IpcError[] = [];
    reader.on('error', (error) => errors.push(error));
    const inflight = direct.keys.structure('q', name).sub(`inflight:${reader.consumerId}`);
    try {
      await run({
        reader,
        writer: createWriteQueue<Job>(direct, name),
        inFlightHere: () => direct.redis.hLen(inflight),
        loseReplies: () => proxy.dropReplies(),
        cut: () => proxy.cut(),
      });
      expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
    } finally {
      proxy.cut();
      await reader.close({ timeoutMs: 100 });
      await readerIpc.close();
      await direct.close();
      await proxy.close();
    }
  }

  it('pop(): the task leased by the lost reply is given back once the connection is back', async () => {
    await withLostReply(async ({ reader, writer, inFlightHere, loseReplies, cut }) => {
      // Loads the script while replies still flow.
      expect(await reader.pop()).toBeUndefined();
      await writer.pushMany([1, 2, 3, 4, 5].map((n) => ({ n })));
      loseReplies();
      const popping = reader.pop();
      // pop() takes only what it returns: one.
      await until(async () => (await inFlightHere()) === 1, 5000, 'task leased');
      cut();
      expect(isIpcError(await rejection(popping), 'IPC_CONNECTION')).toBe(true);
      const seen: number[] = [];
      for (let round = 0; round < 100 && seen.length < 5; round++) {
        const task = await reader.pop().catch(() => undefined);
        if (!task) {
          await pause(50);
          continue;
        }
        expect(task.deliveries).toBe(1);
        seen.push(task.value.n);
        await task.ack();
      }
      expect(seen.sort()).toEqual([1, 2, 3, 4, 5]);
    });
  });

  it('take(): a blocking wait whose reply was lost gets its task once the connection is back', async () => {
    await withLostReply(async ({ reader, writer, inFlightHere, loseReplies, cut }) => {
      const taking = reader.take({ timeoutMs: 20_000 });
      // Parked in the blocking wait (the script is loaded by the fetch before it).
      await pause(200);
      loseReplies();
      await writer.push({ n: 1 });
      await until(async () => (await inFlightHere()) === 1, 5000, 'task leased');
      cut();
      const task = await taking;
      expect(task.value.n).toBe(1);
      expect(task.deliveries).toBe(1);
      await task.ack();
    });
  });

  it('take(): a task leased by a lost reply comes back even when that wait is aborted meanwhile', async () => {
    await withLostReply(async ({ reader, writer, inFlightHere, loseReplies, cut }) => {
      const controller = new AbortController();
      const taking = rejection(reader.take({ signal: controller.signal }));
      await pause(200);
      loseReplies();
      await writer.push({ n: 1 });
      await until(async () => (await inFlightHere()) === 1, 5000, 'task leased');
      cut();
      // Given up before the wait could try again.
      controller.abort();
      expect(isIpcError(await taking, 'IPC_ABORTED')).toBe(true);
      const task = await reader.take({ timeoutMs: 10_000 });
      expect(task.value.n).toBe(1);
      expect(task.deliveries).toBe(1);
      await task.ack();
    });
  });
});
