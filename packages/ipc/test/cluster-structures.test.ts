import { type ClusterTarget, clusterOf, clusterTarget, testContext } from '@redis-ipc/testing';
import { describe, expect, it } from 'vitest';
import { connect } from './connect.js';

const target = clusterTarget();
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

// Queues, caches and streams whose names hash to different masters, used at once from one client:
// each structure's commands, scripts, blocking reads and wake-ups go to its own master.
describe.skipIf(!target)('every structure on a Redis Cluster, from one client', () => {
  const t = testContext({ label: 'ipc', connect, target: target as ClusterTarget });

  it('serves queues, caches and streams spread over every master at once', async () => {
    const { ipc } = t;
    const cluster = clusterOf(t.plain)!;
    const masters = new Set<string>();
    for (const name of NAMES) {
      const key = ipc.client.keys.structure('q', name).main;
      const slot = Number(await t.plain.sendCommand(['CLUSTER', 'KEYSLOT', key]));
      masters.add(cluster.slots[slot]!.master.address);
    }
    expect(masters.size).toBe(cluster.masters.length);

    // Every reader and waiter parks first, on its own master; then everything is written at once.
    const takes = NAMES.map((name) => ipc.queue<string>(name).reader().take({ timeoutMs: 5000 }));
    // No re-check timer: only an announcement wakes a waiter before its deadline.
    const cacheOf = (name: string) =>
      ipc.cache<string>(name, { foreignWritePollMs: Number.POSITIVE_INFINITY });
    const waits = NAMES.map((name) => cacheOf(name).waitFor('k', { timeoutMs: 5000 }));
    const groups = NAMES.map((name) => ipc.stream<string>(name).group('g', 'c1'));
    const events = groups.map((group) => group.next({ timeoutMs: 5000 }));
    await t.pause(100);
    await Promise.all(
      NAMES.flatMap((name) => [
        ipc.queue<string>(name).writer().push(`task ${name}`),
        cacheOf(name).set('k', `value ${name}`),
        ipc.stream<string>(name).writer().publish(`event ${name}`),
      ]),
    );
    const tasks = await Promise.all(takes);
    expect(tasks.map((task) => task.value)).toEqual(NAMES.map((name) => `task ${name}`));
    await Promise.all(tasks.map((task) => task.ack()));
    expect(await Promise.all(waits)).toEqual(NAMES.map((name) => `value ${name}`));
    const received = await Promise.all(events);
    expect(received.map((event) => event.value)).toEqual(NAMES.map((name) => `event ${name}`));
    await Promise.all(received.map((event, i) => groups[i]!.ack(event.id)));

    // Right after meeting waiters (250 ms), a writer writes and announces in one transaction (MULTI,
    // its PUBLISH sent as SPUBLISH to the key's master): two more rounds a moment apart take that
    // path. The waiters hear of each write long before their deadline, whose last look would
    // otherwise find the value.
    for (const key of ['k2', 'k3']) {
      const started = performance.now();
      const again = NAMES.map((name) => cacheOf(name).waitFor(key, { timeoutMs: 10_000 }));
      await t.pause(50);
      await Promise.all(NAMES.map((name) => cacheOf(name).set(key, `${key} ${name}`)));
      expect(await Promise.all(again)).toEqual(NAMES.map((name) => `${key} ${name}`));
      expect(performance.now() - started).toBeLessThan(5000);
    }
  });
});
