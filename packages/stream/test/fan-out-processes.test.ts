import { fileURLToPath } from 'node:url';
import { type NodeChild, pause, spawnNode, standaloneTarget } from '@redis-ipc/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createWriteStream } from './exports.js';
import { streamContext } from './suite/context.js';

const readerScript = fileURLToPath(new URL('./fixtures/reader.ts', import.meta.url));

function eventsOf(child: NodeChild): Array<{ id: string; value: number }> {
  return child.lines
    .filter((line) => line.startsWith('event '))
    .map((line) => {
      const [, id, value] = line.split(' ');
      return { id: id!, value: JSON.parse(value!) as number };
    });
}

describe('fan-out and resume across processes', () => {
  const t = streamContext(standaloneTarget(), 'fan');
  const children: NodeChild[] = [];

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
  });

  it('three reader processes each see every event, in order', { timeout: 60_000 }, async () => {
    const total = 2000;
    const readers = [0, 1, 2].map((index) =>
      spawnNode(readerScript, {
        args: [t.url, t.prefix, 'news', '$', String(total), String(10 + index * 40)],
      }),
    );
    children.push(...readers);
    await Promise.all(readers.map((child) => child.waitForLine(/^ready /, 20_000)));
    const writer = createWriteStream<number>(t.ipc, 'news');
    const ids: string[] = [];
    for (let n = 0; n < total; n += 50) {
      ids.push(...(await writer.publishMany(Array.from({ length: 50 }, (_, i) => n + i))));
      if (n % 500 === 0) await pause(10);
    }
    await Promise.all(readers.map((child) => child.waitForLine(/^done /, 30_000)));
    for (const child of readers) {
      const events = eventsOf(child);
      expect(events.map((event) => event.value)).toEqual(Array.from({ length: total }, (_, n) => n));
      expect(events.map((event) => event.id)).toEqual(ids);
      expect(await child.exited).toEqual({ code: 0, signal: null });
    }
  });

  it('a restarted process resumes from its saved cursor, skipping nothing', { timeout: 60_000 }, async () => {
    const writer = createWriteStream<number>(t.ipc, 'log');
    await writer.publishMany(Array.from({ length: 100 }, (_, n) => n));
    // Reads 30 with batches of 40: ten fetched events are still undelivered when it stops.
    const first = spawnNode(readerScript, { args: [t.url, t.prefix, 'log', '0', '30', '40'] });
    children.push(first);
    const saved = (await first.waitForLine(/^done /, 20_000)).split(' ')[1]!;
    await first.exited;
    expect(eventsOf(first).map((event) => event.value)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    expect(saved).toBe(eventsOf(first).at(-1)!.id);

    // Published while no reader runs.
    await writer.publishMany(Array.from({ length: 50 }, (_, n) => 100 + n));
    const second = spawnNode(readerScript, { args: [t.url, t.prefix, 'log', saved, '120', '40'] });
    children.push(second);
    await second.waitForLine(/^done /, 20_000);
    expect(eventsOf(second).map((event) => event.value)).toEqual(
      Array.from({ length: 120 }, (_, n) => 30 + n),
    );
  });
});
