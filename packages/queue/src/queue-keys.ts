import type { IpcClient } from '@redis-ipc/core';

/**
 * Every key of one queue, built in one place. All share the queue name's hash tag, so they live in
 * one cluster slot and the scripts may touch them together.
 *
 * - `main`: the list of waiting tasks (LPUSH to add, pop from the right).
 * - `consumers`: sorted set of live at-least-once readers, scored by the expiry of their lease.
 * - `inflight:<consumer>`: hash of the tasks a reader holds, task id → item.
 * - `landing:<consumer>`: list a reader's blocking wait moves an item into before it is leased.
 * - `deliveries`: hash task id → deliveries so far, for tasks that were handed out and came back.
 * - `delayed`: sorted set of items waiting for a retry delay, scored by the time they are due.
 * - `dead`: the dead-letter list (JSON records, newest at the left).
 * - `dedupe:<id>`: markers of caller-given ids pushed within the dedupe window.
 */
export class QueueKeys {
  readonly main: string;
  readonly consumers: string;
  readonly deliveries: string;
  readonly delayed: string;
  readonly dead: string;
  readonly inflightPrefix: string;
  readonly landingPrefix: string;
  readonly dedupePrefix: string;

  constructor(ipc: IpcClient, name: string) {
    const keys = ipc.keys.structure('q', name);
    this.main = keys.main;
    this.consumers = keys.sub('consumers');
    this.deliveries = keys.sub('deliveries');
    this.delayed = keys.sub('delayed');
    this.dead = keys.sub('dead');
    this.inflightPrefix = keys.sub('inflight:');
    this.landingPrefix = keys.sub('landing:');
    this.dedupePrefix = keys.sub('dedupe:');
  }

  /** The in-flight hash of one reader. */
  inflight(consumer: string): string {
    return this.inflightPrefix + consumer;
  }

  /** The landing list of one reader. */
  landing(consumer: string): string {
    return this.landingPrefix + consumer;
  }
}
