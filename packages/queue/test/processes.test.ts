import { fileURLToPath } from 'node:url';
import type { IpcClient } from '@redis-ipc/core';
import { deleteKeys, type NodeChild, redisUrl, spawnNode, uniquePrefix, until } from '@redis-ipc/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReadQueue, type ReadQueue } from '../src/index.js';
import { open } from './support/connect.js';

// Child processes import the package by name (its build): run `pnpm tsup` first.
const fixture = (file: string) => fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url));
const TOTAL = 50_000;

function handled(children: readonly NodeChild[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const child of children) {
    for (const line of child.lines) {
      if (!line.startsWith('h ')) continue;
      for (const n of line.slice(2).split(',')) counts.set(Number(n), (counts.get(Number(n)) ?? 0) + 1);
    }
  }
  return counts;
}

function handledTotal(children: readonly NodeChild[]): number {
  let total = 0;
  for (const count of handled(children).values()) total += count;
  return total;
}

describe('producer and consumer processes', () => {
  let prefix: string;
  let ipc: IpcClient;
  let queue: ReadQueue<{ n: number }>;
  const children: NodeChild[] = [];

  beforeEach(async () => {
    prefix = uniquePrefix('procs');
    ipc = await open(redisUrl(), { prefix });
    // Used here only to look at the queue (counts), never to take from it.
    queue = createReadQueue(ipc, 'jobs');
  });

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
    await ipc.close();
    await deleteKeys(redisUrl(), prefix);
  });

  const startConsumers = async (count: number, concurrency: number, extra: string[] = []) => {
    const consumers = Array.from({ length: count }, () =>
      spawnNode(fixture('consumer.ts'), {
        args: [redisUrl(), prefix, 'jobs', String(concurrency), ...extra],
      }),
    );
    children.push(...consumers);
    const ids = await Promise.all(consumers.map((child) => child.waitForLine(/^ready /, 20_000)));
    return { consumers, ids: ids.map((line) => line.slice('ready '.length)) };
  };

  const produce = async (producers: number, total: number) => {
    const share = total / producers;
    const spawned = Array.from({ length: producers }, (_, i) =>
      spawnNode(fixture('producer.ts'), {
        args: [redisUrl(), prefix, 'jobs', String(i * share), String(share)],
      }),
    );
    children.push(...spawned);
    return Promise.all(spawned.map((child) => child.waitForLine(/^pushed /, 30_000)));
  };

  const drained = async (consumers: readonly NodeChild[]) => {
    await until(() => handled(consumers).size === TOTAL, 60_000, `all ${TOTAL} tasks handled`);
    await until(
      async () => {
        const counts = await queue.counts();
        return counts.waiting === 0 && counts.inFlight === 0 && counts.delayed === 0;
      },
      15_000,
      'every task acked',
    );
  };

  const stop = async (consumers: readonly NodeChild[]) => {
    await Promise.all(consumers.map((child) => child.kill('SIGTERM', 10_000)));
    for (const child of consumers) expect(child.lines).toContain('closed');
  };

  it(`pass ${TOTAL} tasks from 2 producers to 3 consumers, each handled exactly once`, {
    timeout: 90_000,
  }, async () => {
    const { consumers } = await startConsumers(3, 32);
    const started = performance.now();
    await produce(2, TOTAL);
    await drained(consumers);
    const seconds = (performance.now() - started) / 1000;
    const counts = handled(consumers);
    expect(counts.size).toBe(TOTAL);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(Math.min(...counts.keys())).toBe(0);
    expect(Math.max(...counts.keys())).toBe(TOTAL - 1);
    const shares = consumers.map((child) => handledTotal([child]));
    console.info(
      `${TOTAL} tasks in ${seconds.toFixed(1)} s (${(TOTAL / seconds).toFixed(0)}/s), shares ${shares.join(' / ')}`,
    );
    await stop(consumers);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
  });

  it(`lose nothing when a consumer is killed with SIGKILL mid-run`, { timeout: 90_000 }, async () => {
    const { consumers, ids } = await startConsumers(3, 32);
    const [victim, ...survivors] = consumers;
    const producing = produce(2, TOTAL);
    await until(() => handledTotal([victim!]) >= 5000, 60_000, 'the victim handled 5000 tasks');
    await victim!.kill('SIGKILL');
    const killedAt = performance.now();
    // What it held when it died: its in-flight hash and landing list, untouched until its lease expires.
    const keys = ipc.keys.structure('q', 'jobs');
    const held =
      (await ipc.redis.hLen(keys.sub(`inflight:${ids[0]}`))) +
      (await ipc.redis.lLen(keys.sub(`landing:${ids[0]}`)));
    await producing;
    await drained(consumers);
    const counts = handled(consumers);
    expect(counts.size).toBe(TOTAL);
    const duplicates = [...counts.values()].reduce((sum, count) => sum + count - 1, 0);
    console.info(
      `SIGKILL: the victim held ${held} tasks; ${duplicates} ran twice; all acked ${((performance.now() - killedAt) / 1000).toFixed(1)} s after the kill`,
    );
    expect(duplicates).toBeLessThanOrEqual(held);
    await stop(survivors);
    expect(await queue.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
  });

  it('with default settings, the tasks of a SIGKILLed consumer run again within 5 s', {
    timeout: 60_000,
  }, async () => {
    // The victim takes 6 tasks (2 running for ever, 4 buffered), then dies.
    const {
      consumers: [victim],
    } = await startConsumers(1, 2, ['600000', '4']);
    await produce(1, 6);
    await until(() => handledTotal([victim!]) === 2, 10_000, 'the victim started two tasks');
    await until(async () => (await queue.counts()).waiting === 0, 5000, 'the victim holds all six');
    const {
      consumers: [survivor],
    } = await startConsumers(1, 8);
    await victim!.kill('SIGKILL');
    const killedAt = performance.now();
    await until(() => handledTotal([survivor!]) === 6, 10_000, 'the survivor ran all six');
    const recoveredIn = performance.now() - killedAt;
    console.info(`tasks of the SIGKILLed consumer ran again ${recoveredIn.toFixed(0)} ms after the kill`);
    expect(recoveredIn).toBeLessThan(5000);
    await stop([survivor!]);
  });
});
