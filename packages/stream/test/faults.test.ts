import { createClient, type IpcClient, type IpcError } from '@redis-ipc/core';
import { pause, type RedisServer, startRedisServer, until as waitUntil } from '@redis-ipc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerGroup, createReadStream, createWriteStream } from './exports.js';

describe('Redis going away', () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer({ persistent: true });
  });

  afterAll(async () => {
    await server.stop();
  });

  const client = (prefix: string): Promise<IpcClient> => createClient({ url: server.url, prefix }).connect();

  it('a next() waiting across a server restart gets the event published after it', {
    timeout: 30_000,
  }, async () => {
    const ipc = await client('restart');
    try {
      const writer = createWriteStream<string>(ipc, 'events');
      await writer.publish('before');
      const reader = await createReadStream<string>(ipc, 'events').ready();
      const waiting = reader.next({ timeoutMs: 20_000 });
      await pause(100);
      await server.restart();
      await ipc.connect();
      await waitUntil(() => ipc.redis.isReady, 10_000, 'reconnected');
      await writer.publish('after');
      const event = await waiting;
      expect(event.value).toBe('after');
      // The stream survived (persistent server) and the cursor is intact.
      expect(await reader.len()).toBe(2);
      await reader.close();
    } finally {
      await ipc.close();
    }
  });

  it('the iterator and a group worker back off while Redis is down, then carry on', {
    timeout: 30_000,
  }, async () => {
    const ipc = await client('outage');
    const errors: IpcError[] = [];
    try {
      const writer = createWriteStream<number>(ipc, 'feed');
      const reader = await createReadStream<number>(ipc, 'feed').ready();
      reader.on('error', (error) => errors.push(error));
      const worker = await createConsumerGroup<number>(ipc, 'feed', 'g', 'w', { minIdleMs: 500 }).ready();
      const workerErrors: IpcError[] = [];
      worker.on('error', (error) => workerErrors.push(error));
      const seen: number[] = [];
      const handled: number[] = [];
      const loop = (async () => {
        for await (const event of reader) {
          seen.push(event.value);
          if (seen.length === 4) break;
        }
      })();
      const processing = worker.process((value) => {
        handled.push(value);
      });
      await writer.publishMany([1, 2]);
      await waitUntil(() => seen.length === 2 && handled.length === 2, 5000, 'first events');

      await server.kill();
      await pause(1500);
      // No 'error' listener on the client: nothing crashed while Redis was away.
      await server.start();
      await waitUntil(() => ipc.redis.isReady, 10_000, 'reconnected');
      await writer.publishMany([3, 4]);
      await loop;
      await waitUntil(() => handled.length === 4, 10_000, 'worker resumed');
      expect(seen).toEqual([1, 2, 3, 4]);
      expect(handled).toEqual([1, 2, 3, 4]);
      // Backing off, not spinning: a handful of reports over 1.5 s, not thousands.
      expect(errors.length + workerErrors.length).toBeLessThan(100);
      await worker.close();
      await processing;
      await reader.close();
    } finally {
      await ipc.close();
    }
  });

  it('timeouts and aborts still work while Redis is unreachable', { timeout: 30_000 }, async () => {
    const ipc = await client('down');
    try {
      const reader = await createReadStream<number>(ipc, 'd').ready();
      const worker = await createConsumerGroup<number>(ipc, 'd', 'g', 'w').ready();
      await server.kill();
      let started = performance.now();
      const timedOut = await reader.next({ timeoutMs: 300 }).catch((error: { code: string }) => error);
      expect(['IPC_TIMEOUT', 'IPC_CONNECTION']).toContain((timedOut as { code: string }).code);
      expect(performance.now() - started).toBeLessThan(3000);
      started = performance.now();
      const groupTimedOut = await worker.read({ timeoutMs: 300 }).catch((error: { code: string }) => error);
      expect(['IPC_TIMEOUT', 'IPC_CONNECTION']).toContain((groupTimedOut as { code: string }).code);
      expect(performance.now() - started).toBeLessThan(3000);
      const controller = new AbortController();
      const aborted = worker.read({ signal: controller.signal });
      const readerAborted = reader.next({ signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await expect(aborted).rejects.toMatchObject({ code: 'IPC_ABORTED' });
      await expect(readerAborted).rejects.toMatchObject({ code: 'IPC_ABORTED' });
      await server.start();
      await waitUntil(() => ipc.redis.isReady, 10_000, 'reconnected');
      const writer = createWriteStream<number>(ipc, 'd');
      await writer.publish(1);
      expect((await reader.next({ timeoutMs: 5000 })).value).toBe(1);
      expect((await worker.next({ timeoutMs: 5000 })).value).toBe(1);
      await worker.close();
    } finally {
      await ipc.close();
    }
  });

  it('a handler past its time limit is failed while the server is stopped (SIGSTOP)', {
    timeout: 20_000,
  }, async () => {
    const ipc = await client('frozen');
    const info = String(await ipc.redis.sendCommand(['INFO', 'server']));
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    expect(pid).toBeGreaterThan(0);
    let stopped = false;
    try {
      const writer = createWriteStream<number>(ipc, 'frozen');
      // Holds are refreshed every minIdleMs / 3 = 1 s: the first refresh goes out to the stopped
      // server and never returns, and the limit (1.5 s) passes after it.
      const worker = await createConsumerGroup<number>(ipc, 'frozen', 'g', 'w', { minIdleMs: 3000 }).ready();
      const failures: unknown[] = [];
      worker.on('failed', (error) => failures.push(error));
      worker.on('error', () => {});
      await writer.publish(1);
      let signal: AbortSignal | undefined;
      const processing = worker.process(
        (_value, event) =>
          new Promise<void>((resolve) => {
            signal = event.signal;
            event.signal.addEventListener('abort', () => resolve(), { once: true });
          }),
        { timeoutMs: 1500 },
      );
      await waitUntil(() => signal !== undefined, 5000, 'handler started');
      const started = performance.now();
      process.kill(pid, 'SIGSTOP');
      stopped = true;
      await waitUntil(() => failures.length > 0, 4000, "'failed' while the server is stopped");
      expect(performance.now() - started).toBeLessThan(3500);
      expect(failures[0]).toMatchObject({ code: 'IPC_TIMEOUT' });
      expect(signal?.aborted).toBe(true);
      process.kill(pid, 'SIGCONT');
      stopped = false;
      await worker.close({ timeoutMs: 5000 });
      await processing;
    } finally {
      if (stopped) process.kill(pid, 'SIGCONT');
      await ipc.close();
    }
  });

  it('closing the client ends waits with ClosedError and loops cleanly', async () => {
    const ipc = await client('close');
    const reader = await createReadStream<number>(ipc, 'x').ready();
    const worker = await createConsumerGroup<number>(ipc, 'x', 'g', 'w').ready();
    // Settled while close() runs: caught at once, not after close() has resolved.
    const waiting = reader.next().catch((error: unknown) => error);
    const groupWaiting = worker.read().catch((error: unknown) => error);
    const loop = (async () => {
      for await (const _ of reader.events()) {
        // nothing comes
      }
      return 'ended';
    })();
    const processing = worker.process(() => {}).then(() => 'ended');
    await pause(100);
    await ipc.close();
    expect(await waiting).toMatchObject({ code: 'IPC_CLOSED' });
    expect(await groupWaiting).toMatchObject({ code: 'IPC_CLOSED' });
    await expect(loop).resolves.toBe('ended');
    await expect(processing).resolves.toBe('ended');
    await worker.close();
  });
});
