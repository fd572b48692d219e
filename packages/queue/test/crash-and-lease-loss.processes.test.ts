import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createReadQueue } from '../src/index.js';
import { runs, workerProcesses } from './support/worker-processes.js';

// Consumer processes that crash, or lose their lease: only deliveries that started count, and a
// delivery a reader no longer holds is never settled on its behalf.
describe('crashes and lost leases (consumer processes)', () => {
  const { t, startWorker, push } = workerProcesses('qcrash');

  // Twenty tasks; consumers with `concurrency` lanes crash on task 0, one after another, three times
  // (each reclaims what the dead one held once its lease expires); the fourth runs the rest. Only
  // task 0 is dead-lettered, and every other task runs once, on its first counted delivery.
  const crashThreeTimesOnTaskZero = async (concurrency: number) => {
    const settings = { leaseMs: 2000, maxDeliveries: 3, prefetch: 20, crashOn: 0, concurrency };
    await push(20);
    let current = await startWorker(settings);
    for (let crash = 1; crash <= 3; crash++) {
      await current.exited;
      current = await startWorker(settings);
    }
    await t.until(() => (runs([current]).get(19)?.length ?? 0) > 0, 15_000, 'the last consumer ran the rest');
    const reader = createReadQueue(t.ipc, 'jobs');
    await t.until(async () => (await reader.counts()).inFlight === 0, 10_000, 'every task acked');
    const letters = await reader.deadLetters();
    expect(letters.map((letter) => letter.deliveries)).toEqual([3]);
    expect(letters[0]!.item).toContain('"n":0}');
    const rest = runs([current]);
    for (let n = 1; n < 20; n++) expect(rest.get(n)).toEqual([1]);
    expect(await reader.counts()).toMatchObject({ waiting: 0, inFlight: 0, dead: 1 });
  };

  it(
    'a consumer crashing on one task, again and again, dead-letters that task only',
    {
      timeout: 40_000,
    },
    () => crashThreeTimesOnTaskZero(1),
  );

  // Two lanes take tasks 0 and 1 in the same instant; both need their start marked before their
  // handlers run. The handler of task 0 kills the process at once: task 1 never started, and must
  // not be counted for the crashes it did not cause.
  it(
    'a consumer crashing on one task as its other lane was about to start the next, again and again, counts only the task that crashes',
    {
      timeout: 40_000,
    },
    () => crashThreeTimesOnTaskZero(2),
  );

  it('a consumer crashing on one task amid a burst of quick handlers, again and again, counts and dead-letters that task only', {
    timeout: 40_000,
  }, async () => {
    // Tasks 0–9 run in a burst of sub-millisecond handlers (acked before the crash); task 10 crashes.
    const settings = { leaseMs: 1000, maxDeliveries: 3, prefetch: 20, crashOn: 10, crashAfterMs: 50 };
    await push(20);
    const reader = createReadQueue(t.ipc, 'jobs');
    const consumers = [await startWorker(settings)];
    // The crash amid the burst counts nothing (its tasks come back as suspects), then each crash of
    // task 10, run alone with an exact mark, counts once: four crashes in all. Bounded: six consumers.
    while (consumers.length < 6) {
      let exited = false;
      void consumers.at(-1)!.exited.then(() => {
        exited = true;
      });
      // The dead letter is written by the consumer that reclaims the last crash's tasks.
      await t.until(
        async () => exited || (await reader.deadLetterCount()) > 0,
        15_000,
        'a crash or the dead letter',
      );
      if (!exited) break;
      consumers.push(await startWorker(settings));
    }
    const last = consumers.at(-1)!;
    await t.until(() => (runs([last]).get(19)?.length ?? 0) > 0, 15_000, 'the last consumer ran the rest');
    await t.until(async () => (await reader.counts()).inFlight === 0, 10_000, 'every task acked');
    const letters = await reader.deadLetters();
    expect(letters.map((letter) => letter.deliveries)).toEqual([3]);
    expect(letters[0]!.item).toContain('"n":10}');
    const seen = runs(consumers);
    // The neighbours ran once each, as first deliveries: none was counted for a crash it did not cause.
    for (let n = 0; n < 20; n++) if (n !== 10) expect([n, seen.get(n)]).toEqual([n, [1]]);
    expect(seen.get(10)).toEqual([1, 1, 2, 3]);
    expect(await reader.counts()).toMatchObject({ waiting: 0, inFlight: 0, dead: 1 });
    // Nothing is left of the suspicion: the flags went with the acks and the dead letter.
    expect(await t.plain.exists(t.ipc.keys.structure('q', 'jobs').sub('deliveries'))).toBe(0);
  });

  it('a handler longer than the lease loses it: its late ack changes nothing and the task is dead-lettered after maxDeliveries', {
    timeout: 30_000,
  }, async () => {
    // The lease is the subject here: shorter than the handler on purpose.
    const settings = { leaseMs: 300, busyMs: 1000, maxDeliveries: 3, explicitAck: true };
    const pair = await Promise.all([startWorker(settings), startWorker(settings)]);
    await push(1);
    const reader = createReadQueue(t.ipc, 'jobs');
    await t.until(async () => (await reader.deadLetterCount()) === 1, 15_000, 'the task dead-lettered');
    const [letter] = await reader.deadLetters();
    expect(letter!.deliveries).toBe(3);
    // Every run was a new, counted delivery; none ran after the dead letter.
    expect(runs(pair).get(0)).toHaveLength(3);
    await t.pause(1500);
    expect(runs(pair).get(0)).toHaveLength(3);
    // The late acks found their deliveries gone and said so.
    const acks = pair.flatMap((worker) => worker.lines.filter((line) => line.startsWith('ack ')));
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.every((line) => line === 'ack 0 lost')).toBe(true);
    expect(await reader.counts()).toMatchObject({ waiting: 0, inFlight: 0, delayed: 0, dead: 1 });
  });

  it('a reader whose event loop stood still past its lease starts nothing more from its buffer: others ran those tasks', {
    timeout: 30_000,
  }, async () => {
    // Each handler blocks the event loop until the file exists: for longer than the lease, on purpose.
    const unblock = join(tmpdir(), `qcrash-unblock-${process.pid}-${Date.now()}`);
    const stalled = await startWorker({ leaseMs: 1000, blockUntil: unblock, prefetch: 10 });
    try {
      await push(5);
      // Task 0 blocks the reader; tasks 1–4 wait in its buffer meanwhile.
      await stalled.waitForLine(/^run 0 1$/, 10_000);
      const other = await startWorker({ leaseMs: 1000 });
      await t.until(() => runs([other]).size === 5, 15_000, 'the other reader ran every reclaimed task');
      writeFileSync(unblock, '');
      await stalled.waitForLine(/^lease-lost$/, 10_000);
      await t.pause(300);
      // Before starting task 1 it looked at its lease, found it lost, and dropped the buffer.
      expect([...runs([stalled]).keys()]).toEqual([0]);
      const reader = createReadQueue(t.ipc, 'jobs');
      expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
    } finally {
      rmSync(unblock, { force: true });
    }
  });

  it('a reader frozen past its lease learns it lost it: task.signal aborts with LeaseLostError, its ack says lost and changes nothing', {
    timeout: 30_000,
  }, async () => {
    const frozen = await startWorker({ leaseMs: 2000, holdMs: 20_000, explicitAck: true });
    await push(1);
    await frozen.waitForLine(/^run 0 1$/, 10_000);
    frozen.process.kill('SIGSTOP');
    try {
      const other = await startWorker({ leaseMs: 2000, explicitAck: true });
      // Reclaimed from the frozen reader (it had started: a counted delivery), run and acked here.
      await other.waitForLine(/^ack 0 acked$/, 10_000);
      expect(other.lines).toContain('run 0 2');
    } finally {
      frozen.process.kill('SIGCONT');
    }
    await frozen.waitForLine(/^signal 0 LeaseLostError$/, 10_000);
    await frozen.waitForLine(/^ack 0 lost$/, 5000);
    expect(frozen.lines).toContain('lease-lost');
    const reader = createReadQueue(t.ipc, 'jobs');
    expect(await reader.counts()).toEqual({ waiting: 0, delayed: 0, inFlight: 0, dead: 0 });
    // The late ack reset no delivery count: nothing is left of the task.
    expect(await t.plain.exists(t.ipc.keys.structure('q', 'jobs').sub('deliveries'))).toBe(0);
  });
});
