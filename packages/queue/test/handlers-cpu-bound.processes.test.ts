import { describe, expect, it } from 'vitest';
import { createReadQueue } from '../src/index.js';
import { runs, workerProcesses } from './support/worker-processes.js';

// Consumer processes whose handlers keep the event loop busy: the worker gives way every few ms,
// so leases are renewed and acks sent on time, and no live reader looks dead.
describe('CPU-bound handlers (consumer processes)', () => {
  const { t, startWorker, push } = workerProcesses('qcpu');

  it('a 40 ms synchronous handler, two processes, default settings: every task runs exactly once', {
    timeout: 30_000,
  }, async () => {
    const pair = await Promise.all([startWorker({ busyMs: 40 }), startWorker({ busyMs: 40 })]);
    await push(100);
    await t.until(() => runs(pair).size === 100, 20_000, 'every task ran');
    const reader = createReadQueue(t.ipc, 'jobs');
    await t
      .until(async () => (await reader.counts()).inFlight === 0, 10_000, 'every task acked')
      .catch(() => {});
    const ranTwice = [...runs(pair).entries()].filter(([, deliveries]) => deliveries.length > 1);
    expect(ranTwice.length, `${ranTwice.length} tasks ran more than once`).toBe(0);
    expect((await reader.counts()).inFlight).toBe(0);
    for (const worker of pair) expect(worker.lines).not.toContain('lease-lost');
  });

  it('a synchronous handler of leaseMs / 2, two processes: every task runs exactly once', {
    timeout: 30_000,
  }, async () => {
    const settings = { leaseMs: 2000, busyMs: 1000 };
    const pair = await Promise.all([startWorker(settings), startWorker(settings)]);
    await push(6);
    await t.until(() => runs(pair).size === 6, 15_000, 'every task ran');
    const reader = createReadQueue(t.ipc, 'jobs');
    await t
      .until(async () => (await reader.counts()).inFlight === 0, 10_000, 'every task acked')
      .catch(() => {});
    const ranTwice = [...runs(pair).entries()].filter(([, deliveries]) => deliveries.length > 1);
    expect(ranTwice.length, `${ranTwice.length} tasks ran more than once`).toBe(0);
    expect((await reader.counts()).inFlight).toBe(0);
    for (const worker of pair) expect(worker.lines).not.toContain('lease-lost');
  });

  it('an async handler that never waits for I/O (10 ms), leaseMs 300: every task runs exactly once', {
    timeout: 30_000,
  }, async () => {
    // The lease is the subject here: short on purpose.
    const settings = { leaseMs: 300, asyncBusyMs: 10 };
    const pair = await Promise.all([startWorker(settings), startWorker(settings)]);
    await push(100);
    await t.until(() => runs(pair).size === 100, 15_000, 'every task ran');
    const reader = createReadQueue(t.ipc, 'jobs');
    await t
      .until(async () => (await reader.counts()).inFlight === 0, 10_000, 'every task acked')
      .catch(() => {});
    const ranTwice = [...runs(pair).entries()].filter(([, deliveries]) => deliveries.length > 1);
    expect(ranTwice.length, `${ranTwice.length} tasks ran more than once`).toBe(0);
    expect((await reader.counts()).inFlight).toBe(0);
    for (const worker of pair) expect(worker.lines).not.toContain('lease-lost');
  });
});
