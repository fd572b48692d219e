import { isIpcError, type RedisClient, TimeoutError, toIpcError } from '@redis-ipc/core';
import { onAbort, sharedDeadline, waitFor } from '@redis-ipc/core/internal';
import { entryClient } from '../entry-decoder.js';
import { GroupMissingError } from '../group-missing-error.js';
import { EventBuffer } from '../read/event-buffer.js';
import { judgeGap } from '../read/position.js';
import { CREATE_GROUP } from '../scripts/create-group.js';
import { FIX_READ_COUNTER } from '../scripts/fix-read-counter.js';
import { SKIP_GAP } from '../scripts/skip-gap.js';
import type { StreamGap } from '../stream-event.js';
import { compareIds, isSuccessor } from '../stream-id.js';
import { entryId, type ReplyEntry } from '../stream-reply.js';
import type { GroupScope } from './group-scope.js';
import { waitForNewEntries } from './new-entries-wait.js';
import { type ReadGroupReply, readGroup } from './read-transaction.js';

/** An entry this consumer holds and has not handed out yet. */
export interface Delivery {
  readonly id: string;
  readonly entry: ReplyEntry;
  /** Times it reached a handler before, plus this delivery. */
  readonly deliveries: number;
  /** Taken over from an idle consumer: handed out only once its start is marked. */
  readonly reclaimed?: boolean;
  /** Reclaimed, and its last start never reached a verdict: it runs alone. */
  readonly suspect?: boolean;
}

/** Events the group had not delivered were deleted here. */
export interface GapItem {
  readonly gap: StreamGap;
}

/** What a consumer buffers. */
export type GroupItem = Delivery | GapItem;

/** Is `item` a gap? */
export function isGapItem(item: GroupItem): item is GapItem {
  return (item as GapItem).gap !== undefined;
}

/** What the reader needs from the consumer around it. */
export interface GroupReaderHost {
  /** Entries just delivered to this consumer: they are its own from now on. */
  fetched(ids: readonly string[]): void;
  /** Whether a loop (`process`, `events`) runs: then a full batch starts the next read at once. */
  looping(): boolean;
  /** Whether the consumer is closing. */
  closing(): boolean;
  /** The group was found missing (told once). */
  missing(error: GroupMissingError): void;
}

/**
 * Gets a consumer's events: makes the group at start-up (only then), reads new entries with the
 * gap check (one script call per batch), waits for more without taking any, reads one batch ahead
 * while a loop handles the last, and takes in reclaimed entries. Knows nothing of handlers or acks.
 */
export class GroupReader {
  readonly buffer = new EventBuffer<GroupItem>();
  readonly #scope: GroupScope;
  readonly #host: GroupReaderHost;
  #reclaimed: Delivery[] = [];
  #created: Promise<void> | undefined;
  // The group was made (or found) at start-up: reads no longer wait for that.
  #groupMade = false;
  #missing: GroupMissingError | undefined;
  #wake: AbortController | undefined;
  #reading: Promise<string> | undefined;
  #caughtUp = true;
  // The group's last-delivered-id after the last read.
  #position: string | undefined;
  // The blocking connection runs the read behind its wait (not on a cluster): learnt from the last wait.
  #readsBehindWait = false;

  constructor(scope: GroupScope, host: GroupReaderHost) {
    this.#scope = scope;
    this.#host = host;
  }

  /** Events at hand: buffered and reclaimed. */
  get waiting(): number {
    return this.buffer.size + this.#reclaimed.length;
  }

  /** Set once the group was found missing after start-up: every later read rejects with it. */
  get missing(): GroupMissingError | undefined {
    return this.#missing;
  }

  /**
   * Makes the group (and the stream) if missing: once, when the consumer is made. A failed attempt
   * (Redis unreachable) is tried again by the next call.
   */
  ensureGroup(): Promise<void> {
    this.#created ??= CREATE_GROUP.run(this.#scope.ipc.redis, {
      key: this.#scope.keys.main,
      group: this.#scope.group,
      startId: this.#scope.settings.startId,
    }).then(
      () => {
        this.#groupMade = true;
      },
      (error: unknown) => {
        this.#created = undefined;
        throw toIpcError(error);
      },
    );
    return this.#created;
  }

  /**
   * Records that the group is gone, when `error` says so (NOGROUP, or no stream at all); returns
   * the GroupMissingError then, `undefined` otherwise.
   */
  noteMissing(error: unknown): GroupMissingError | undefined {
    if (!isMissingGroup(error)) return undefined;
    if (!this.#missing) {
      this.#missing = new GroupMissingError(this.#scope.keys.name, this.#scope.group, { cause: error });
      this.#wake?.abort();
      this.#host.missing(this.#missing);
    }
    return this.#missing;
  }

  /** Entries claimed from silent consumers: handed out before new ones. */
  addReclaimed(claimed: readonly Delivery[]): void {
    for (const delivery of claimed) this.#reclaimed.push(delivery);
    this.#wake?.abort();
  }

  /** Takes every entry not handed out yet out of the buffer (gaps stay), reclaimed ones included. */
  dropWaiting(): Delivery[] {
    const dropped = this.#reclaimed;
    this.#reclaimed = [];
    const kept: GroupItem[] = [];
    for (const item of this.buffer.clear()) {
      if (isGapItem(item)) kept.push(item);
      else dropped.push(item);
    }
    if (kept.length > 0) this.buffer.refill(kept);
    return dropped;
  }

  /**
   * Fills the empty buffer: reclaimed entries first, then new ones, waiting for them if needed. Work
   * on the shared connection is raced against the caller's deadline and signal; a read that comes
   * back too late still lands in the buffer, for the next call.
   */
  async fill(deadline: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (!this.#groupMade) {
      await waitFor(
        this.ensureGroup(),
        signal,
        sharedDeadline(deadline, this.#scope.ipc.redis.isReady),
        timeoutMs,
      );
    }
    for (;;) {
      if (this.#missing) throw this.#missing;
      if (this.buffer.size > 0) return;
      if (this.#reclaimed.length > 0) {
        this.buffer.refill(this.#reclaimed);
        this.#reclaimed = [];
        return;
      }
      let position = this.#position;
      // The last read came back short (caught up) and the wait carries a read: no look first.
      if (position === undefined || !this.#waitCarriesRead(deadline)) {
        const lookDeadline = sharedDeadline(deadline, this.#scope.ipc.redis.isReady);
        position = await waitFor(this.#startReading(), signal, lookDeadline, timeoutMs);
        if (this.buffer.size > 0 && this.#reading) await readAheadTurn();
        // A reclaim may have landed during the read: take it rather than wait.
        if (this.buffer.size > 0 || this.#reclaimed.length > 0) continue;
      }
      const remaining = deadline - performance.now();
      if (remaining < 1) throw new TimeoutError(timeoutMs);
      await this.#waitForNew(position, remaining, timeoutMs, signal);
      if (this.buffer.size > 0) {
        this.#readAhead();
        if (this.#reading) await readAheadTurn();
      }
    }
  }

  // Whether the next wait can do without a look first: it carries a read, the last read was not a
  // full batch, there is time to wait, and Redis is reachable (else the look reports it).
  #waitCarriesRead(deadline: number): boolean {
    return (
      this.#readsBehindWait &&
      this.#caughtUp &&
      deadline - performance.now() >= 1 &&
      this.#scope.ipc.redis.isReady
    );
  }

  // Waits without consuming until something follows `position`, with the next read right behind the
  // wait where the connection allows (see waitForNewEntries); a reclaim or a missing group wakes it
  // early. What a read behind the wait took is in the buffer even when the wait itself failed.
  async #waitForNew(
    position: string,
    remaining: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<void> {
    const wake = new AbortController();
    this.#wake = wake;
    // The caller's abort wakes it too: a listener rather than a composite signal per wait (cheaper,
    // and nothing left registered on a long-lived signal).
    const stopForwarding = onAbort(signal, () => wake.abort(signal.reason));
    try {
      const outcome = await waitForNewEntries(this.#scope, {
        position,
        timeoutMs: Number.isFinite(timeoutMs) ? remaining : Number.POSITIVE_INFINITY,
        signal: wake.signal,
        read: (redis) => this.#readNew(redis),
        landed: () => this.buffer.size > 0 || this.#reclaimed.length > 0,
      });
      this.#readsBehindWait = outcome === 'read';
    } catch (error) {
      if (isIpcError(error, 'IPC_TIMEOUT')) {
        if (this.buffer.size > 0) return;
        throw new TimeoutError(timeoutMs, { cause: error });
      }
      // Woken by a reclaim or a missing group: go and see.
      if (!(wake.signal.aborted && !signal.aborted && isIpcError(error, 'IPC_ABORTED'))) throw error;
    } finally {
      stopForwarding();
      this.#wake = undefined;
    }
  }

  // One read at a time; while a loop runs, a full batch starts the next one at once (a backlog: it
  // is read while this batch is handled, and lands in the buffer behind it).
  #startReading(): Promise<string> {
    if (this.#reading) return this.#reading;
    const reading = this.#readNew().then(
      (position) => {
        this.#reading = undefined;
        this.#readAhead();
        return position;
      },
      (error: unknown) => {
        this.#reading = undefined;
        throw error;
      },
    );
    this.#reading = reading;
    return reading;
  }

  // While a loop runs and the last read was a full batch (a backlog), starts the next read at once.
  #readAhead(): void {
    if (
      !this.#caughtUp &&
      this.#host.looping() &&
      !this.#host.closing() &&
      this.buffer.size <= this.#scope.settings.batchSize
    ) {
      this.#startReading().catch(() => {});
    }
  }

  // Reads new entries (on `redis`, the shared connection unless given) with the group's position
  // before and the stream's state after (one transaction), decides about gaps, fills the buffer;
  // returns the group's last-delivered-id.
  async #readNew(redis: RedisClient = this.#scope.ipc.redis): Promise<string> {
    if (this.#missing) throw this.#missing;
    const key = this.#scope.keys.main;
    let read: ReadGroupReply;
    try {
      read = await readGroup(entryClient(redis, this.#scope.binary), {
        key,
        group: this.#scope.group,
        consumer: this.#scope.consumer,
        count: this.#scope.settings.batchSize,
      });
    } catch (error) {
      throw this.noteMissing(error) ?? error;
    }
    const { before, entriesRead: offset, entries } = read;
    const first = entries.length > 0 ? entryId(entries[0]!) : undefined;
    const last = entries.length > 0 ? entryId(entries[entries.length - 1]!) : undefined;
    let position = last ?? before;
    let gap: StreamGap | undefined;
    let gapIndex = 0;
    this.#caughtUp = entries.length < this.#scope.settings.batchSize;
    // An entry right after the group's previous position: nothing can be missing in between.
    if (first === undefined || !isSuccessor(before, first)) {
      // Judged as a look that may be late (though read in the same transaction): an empty read
      // after deleted entries then goes through SKIP_GAP, which moves the group past them.
      const { state } = read;
      const judgement = judgeGap(before, offset, entries, state, false);
      if (judgement.gap) {
        const found = judgement.gap;
        gap = { stream: this.#scope.keys.name, after: found.after, before: found.before, count: found.count };
        gapIndex = found.index;
        if (last !== undefined && judgement.offset !== undefined) {
          await FIX_READ_COUNTER.run(this.#scope.ipc.redis, {
            key,
            group: this.#scope.group,
            position: last,
            entriesRead: judgement.offset,
          });
        }
      } else if (judgement.unsure && first !== undefined) {
        // The entries are this consumer's already, so no second look: assume the worst only when
        // trimming has reached them.
        if (state.firstId === undefined || compareIds(state.firstId, first) >= 0) {
          gap = { stream: this.#scope.keys.name, after: before, before: first, count: undefined };
        }
      } else if (judgement.unsure) {
        // Nothing left after the group's position, yet entries were added after it: move the group
        // past them, unless another consumer moved it meanwhile (then that one reports it).
        const moved = await SKIP_GAP.run(this.#scope.ipc.redis, {
          key,
          group: this.#scope.group,
          position: before,
        });
        if (moved) {
          const lost = offset === undefined ? undefined : moved.added - offset;
          gap = { stream: this.#scope.keys.name, after: before, before: undefined, count: lost };
          position = moved.position;
        }
      }
    }
    const items: GroupItem[] = [];
    const ids: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      if (gap && i === gapIndex) items.push({ gap });
      const entry = entries[i]!;
      const id = entryId(entry);
      items.push({ id, entry, deliveries: 1 });
      ids.push(id);
    }
    if (gap && gapIndex >= entries.length) items.push({ gap });
    this.#position = position;
    if (this.#host.closing() && ids.length > 0) {
      // Landed after close: left pending, for other consumers to reclaim.
      return position;
    }
    this.#host.fetched(ids);
    if (this.buffer.size === 0) this.buffer.refill(items);
    else this.buffer.push(items);
    return position;
  }
}

// A backlog: the next read has started. node-redis writes commands in the event loop's check phase,
// so without this turn it would go out only after this batch has been handled, and the consumer would
// wait for every read rather than handle one batch while reading the next.
function readAheadTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

// NOGROUP (also inside a transaction or a script), or the stream itself is gone.
function isMissingGroup(error: unknown): boolean {
  const seen: unknown[] = [error];
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (cause !== undefined) seen.push(cause);
  for (const each of [...seen]) {
    const replies = (each as { replies?: unknown[] } | undefined)?.replies;
    if (Array.isArray(replies)) seen.push(...replies);
  }
  return seen.some(
    (each) =>
      each instanceof Error && (each.message.includes('NOGROUP') || each.message.includes('no such key')),
  );
}
