import { fileURLToPath } from 'node:url';
import { type NodeChild, pause, spawnNode, standaloneTarget, until as waitUntil } from '@redis-ipc/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsumerGroup, createReadStream, createWriteStream } from './exports.js';
import { streamContext } from './suite/context.js';

const workerScript = fileURLToPath(new URL('./fixtures/group-worker.ts', import.meta.url));

interface Line {
  kind: 'start' | 'handled';
  value: number;
  deliveries: number;
}

function linesOf(child: NodeChild): Line[] {
  return child.lines
    .filter((line) => line.startsWith('start ') || line.startsWith('handled '))
    .map((line) => {
      const [kind, value, deliveries] = line.split(' ');
      return { kind: kind as Line['kind'], value: Number(value), deliveries: Number(deliveries) };
    });
}

describe('consumer group across processes', () => {
  const t = streamContext(standaloneTarget(), 'kill');
  const children: NodeChild[] = [];

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
  });

  // With a small batch and with the default one (a consumer then holds far more than it works on).
  it.each([
    ['10', '10'],
    ['the default', ''],
  ])(
    'loses nothing when one of three consumers is SIGKILLed; only what it held is redelivered (batchSize %s)',
    {
      timeout: 60_000,
    },
    async (_, batchSize) => {
      const total = 300;
      const minIdleMs = 1000;
      const inspector = await createConsumerGroup<number>(t.ipc, 'work', 'g', 'inspector').ready();
      // w1 is slow, so it surely holds events (running and fetched) when it is killed.
      const workers = [
        ['w1', '3000'],
        ['w2', '15'],
        ['w3', '15'],
      ].map(([name, handlerMs]) =>
        spawnNode(workerScript, {
          args: [t.url, t.prefix, 'work', 'g', name!, handlerMs!, '4', String(minIdleMs), batchSize],
        }),
      );
      children.push(...workers);
      await Promise.all(workers.map((child) => child.waitForLine(/^ready$/, 20_000)));
      const [victim, ...survivors] = workers as [NodeChild, NodeChild, NodeChild];

      const writer = createWriteStream<number>(t.ipc, 'work');
      let published = 0;
      const publishing = (async () => {
        while (published < total) {
          await writer.publishMany(Array.from({ length: 10 }, (_, i) => published + i));
          published += 10;
          await pause(25);
        }
      })();
      await waitUntil(() => linesOf(victim).length >= 4, 20_000, 'victim busy');
      await victim.kill('SIGKILL');
      // What the victim held when it died: fetched or being handled, never acknowledged. (Asked a
      // little later, so that anything it had sent before dying has been processed; reclaims only
      // start after minIdleMs.)
      await pause(200);
      const held = new Set(
        (await inspector.pendingEntries({ consumer: 'w1', count: 1000 })).map((entry) => entry.id),
      );
      await publishing;

      const valueOfId = new Map<string, number>();
      for (const event of await createReadStream<number>(t.ipc, 'work', { from: '0' }).range()) {
        valueOfId.set(event.id, event.value);
      }
      const heldValues = new Set([...held].map((id) => valueOfId.get(id)!));
      expect(heldValues.size).toBeGreaterThan(0);

      const handledBySurvivors = () =>
        survivors.flatMap((child) => linesOf(child).filter((line) => line.kind === 'handled'));
      const handledAll = () => [
        ...linesOf(victim).filter((line) => line.kind === 'handled'),
        ...handledBySurvivors(),
      ];
      await waitUntil(
        async () =>
          new Set(handledAll().map((line) => line.value)).size === total &&
          (await inspector.pending()).count === 0,
        30_000,
        'every event handled and acknowledged',
      );

      // Every event handled; every one acknowledged.
      expect(new Set(handledAll().map((line) => line.value))).toEqual(
        new Set(Array.from({ length: total }, (_, n) => n)),
      );
      expect((await inspector.pending()).count).toBe(0);
      // Redelivered (and handled twice) only if the dead consumer held it.
      const counts = new Map<number, number>();
      for (const line of handledAll()) counts.set(line.value, (counts.get(line.value) ?? 0) + 1);
      const twice = [...counts].filter(([, count]) => count > 1).map(([value]) => value);
      for (const value of twice) expect(heldValues.has(value)).toBe(true);
      const redelivered = handledBySurvivors().filter((line) => line.deliveries > 1);
      for (const line of redelivered) expect(heldValues.has(line.value)).toBe(true);
      // And everything it held was picked up by a survivor.
      const survivorValues = new Set(handledBySurvivors().map((line) => line.value));
      for (const value of heldValues) expect(survivorValues.has(value)).toBe(true);

      await Promise.all(survivors.map((child) => child.kill('SIGTERM')));
      for (const child of survivors) expect(child.lines).toContain('closed');
    },
  );

  it('a crash loop on one event dead-letters that event alone, after maxDeliveries starts', {
    timeout: 60_000,
  }, async () => {
    const total = 40;
    const poison = 5;
    const maxDeliveries = 3;
    const inspector = await createConsumerGroup<number>(t.ipc, 'loop', 'g', 'inspector').ready();
    const writer = createWriteStream<number>(t.ipc, 'loop');
    await writer.publishMany(Array.from({ length: total }, (_, n) => n));
    // A process manager restarting the same worker (same consumer name, default batch) each time the
    // poison event kills it. Bounded: every restart is one crash, and there are at most 10.
    const runs: NodeChild[] = [];
    const handled = () =>
      new Set(
        runs.flatMap((child) =>
          linesOf(child)
            .filter((l) => l.kind === 'handled')
            .map((l) => l.value),
        ),
      );
    const deadLetters = () => inspector.deadLetters({ count: 100 });
    while (runs.length < 10) {
      const child = spawnNode(workerScript, {
        args: [
          t.url,
          t.prefix,
          'loop',
          'g',
          'w',
          '10',
          '4',
          '600',
          '',
          String(poison),
          String(maxDeliveries),
        ],
      });
      children.push(child);
      runs.push(child);
      const ended = await Promise.race([
        child.exited.then(() => 'crashed' as const),
        waitUntil(
          async () =>
            handled().size + (await deadLetters()).length >= total && (await inspector.pending()).count === 0,
          15_000,
          'every event handled or dead-lettered',
        ).then(() => 'done' as const),
      ]);
      if (ended === 'done') break;
    }
    // The poison alone went to the dead letters, having reached a handler maxDeliveries times (the
    // start cut short by the first crash may go uncounted: at most one more).
    expect((await deadLetters()).map((letter) => letter.content)).toEqual([String(poison)]);
    const poisonStarts = runs.flatMap((child) => linesOf(child).filter((l) => l.value === poison));
    expect(poisonStarts.length).toBeGreaterThanOrEqual(maxDeliveries);
    expect(poisonStarts.length).toBeLessThanOrEqual(maxDeliveries + 1);
    // Every other event was handled, and nothing is left pending.
    expect(handled()).toEqual(
      new Set(Array.from({ length: total }, (_, n) => n).filter((n) => n !== poison)),
    );
  });
});
