import type { IpcClient } from '@redis-ipc/core';

/** The keys of one reader. */
export interface ReaderKeys {
  /** Its in-flight hash: delivery token → item, plus its started mark and unread nack outcomes. */
  readonly inflight: string;
  /** The list its blocking wait moves an item into before the item is leased. */
  readonly landing: string;
}

/** The queue's keys that the scripts of one reader are given, with that reader's own. */
export interface ReaderScriptKeys extends ReaderKeys {
  readonly main: string;
  readonly consumers: string;
  readonly deliveries: string;
  readonly delayed: string;
  readonly dead: string;
}

/**
 * Every key of one queue, built in one place (nothing else builds a key). All share the queue name's
 * hash tag, so they live in one cluster slot and the scripts may touch them together; every script is
 * given each key it touches.
 *
 * - `main`: the list of waiting tasks (LPUSH to add, pop from the right).
 * - `consumers`: sorted set of live at-least-once readers, scored by the expiry of their lease.
 * - `inflight:<consumer>`: hash of the deliveries a reader holds, token → item (see {@link ReaderKeys}).
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
  readonly #inflightPrefix: string;
  readonly #landingPrefix: string;
  readonly #dedupePrefix: string;

  constructor(ipc: IpcClient, name: string) {
    const keys = ipc.keys.structure('q', name);
    this.main = keys.main;
    this.consumers = keys.sub('consumers');
    this.deliveries = keys.sub('deliveries');
    this.delayed = keys.sub('delayed');
    this.dead = keys.sub('dead');
    this.#inflightPrefix = keys.sub('inflight:');
    this.#landingPrefix = keys.sub('landing:');
    this.#dedupePrefix = keys.sub('dedupe:');
  }

  /** The keys of one reader. */
  reader(consumerId: string): ReaderKeys {
    return { inflight: this.#inflightPrefix + consumerId, landing: this.#landingPrefix + consumerId };
  }

  /** The keys a reader's scripts take (spread into their inputs): the queue's and the reader's own. */
  forReader(consumerId: string): ReaderScriptKeys {
    const { main, consumers, deliveries, delayed, dead } = this;
    return { main, consumers, deliveries, delayed, dead, ...this.reader(consumerId) };
  }

  /** The dedupe marker of a caller-given task id. */
  dedupe(id: string): string {
    return this.#dedupePrefix + id;
  }
}
