import type { IpcClient, RedisClient } from '@redis-ipc/core';
import { entryClient } from '../entry-decoder.js';
import { STATE } from '../scripts/state.js';
import type { StreamGap } from '../stream-event.js';
import { compareIds, isSuccessor, START_ID } from '../stream-id.js';
import { readInfoState } from '../stream-info.js';
import type { StreamKeys } from '../stream-keys.js';
import { entryId, type ReplyEntry, streamEntriesOf } from '../stream-reply.js';
import { judgeGap, type StreamState } from './position.js';

/** A gap met in the stream, and the cursor past it. */
export interface GapItem {
  readonly gap: StreamGap;
  readonly resumeAt: string;
}

/** What a fan-out reader buffers: entries as Redis sent them, and gaps between them. */
export type ReadItem = ReplyEntry | GapItem;

/** Is `item` a gap (entries are arrays)? */
export function isGapItem(item: ReadItem): item is GapItem {
  return !Array.isArray(item);
}

/** One checked fetch. */
export interface Fetched {
  readonly after: string;
  readonly entries: ReplyEntry[];
  readonly gap: GapItem | undefined;
  // How many of the entries come before the gap.
  readonly gapIndex: number;
  readonly offset: number | undefined;
  // False when accepted without looking at the stream's state (the first id followed the cursor).
  readonly verified: boolean;
}

/**
 * Fetches a fan-out reader's events after its fetch position and decides about gaps on the way: the
 * state check is skipped while each batch begins right after the last (a busy stream), and one
 * batch is read ahead while the previous is delivered. Knows where it has fetched to, not what was
 * delivered.
 */
export class StreamFetcher {
  readonly #ipc: IpcClient;
  readonly #keys: StreamKeys;
  readonly #batchSize: number;
  readonly #binary: boolean;
  // Last id fetched into the buffer.
  #position: string = START_ID;
  // Logical offset of #position (entries ever added up to it), when known: makes trimming measurable.
  #offset: number | undefined;
  // Batches after this id were accepted unverified: an XDEL there would make #offset wrong.
  #offsetSince: string | undefined;
  // The last batch was full, so more is probably waiting: the next fetch looks without blocking.
  #full = false;
  // The last fetch began right after the position (typical of a busy stream).
  #successive = false;
  // The caller asked for the very beginning: what was trimmed before the first read is no gap.
  #fromStart = false;
  #ahead: Promise<Fetched | null> | undefined;

  constructor(ipc: IpcClient, keys: StreamKeys, batchSize: number, binary: boolean) {
    this.#ipc = ipc;
    this.#keys = keys;
    this.#batchSize = batchSize;
    this.#binary = binary;
  }

  /** Sets where fetching starts (`offset`: the logical offset there, when known). */
  start(position: string, offset: number | undefined, fromStart: boolean): void {
    this.#position = position;
    this.#offset = offset;
    this.#fromStart = fromStart;
  }

  /** The batch read ahead, or a new non-blocking look when a backlog is likely; undefined otherwise. */
  takeAhead(): Promise<Fetched | null> | undefined {
    const ahead = this.#ahead ?? (this.#full ? this.#fetchAhead() : undefined);
    this.#ahead = undefined;
    return ahead;
  }

  /** Forgets the batch read ahead (the reader closed). */
  dropAhead(): void {
    this.#ahead = undefined;
  }

  /**
   * Takes a fetch's items in, in stream order, unless it came from an older position (a late reply:
   * it will be read again); then reads the next batch ahead when this one was full.
   */
  accept(fetched: Fetched): ReadItem[] | undefined {
    if (fetched.after !== this.#position) return undefined;
    const { entries, gap, gapIndex } = fetched;
    const items: ReadItem[] = gap ? [] : entries;
    if (gap) {
      for (let i = 0; i < entries.length; i++) {
        if (i === gapIndex) items.push(gap);
        items.push(entries[i]!);
      }
      if (gapIndex >= entries.length) items.push(gap);
    }
    const last = entries[entries.length - 1];
    this.#position = last ? entryId(last) : (gap?.resumeAt ?? this.#position);
    this.#offset = fetched.offset;
    this.#offsetSince = fetched.verified ? undefined : (this.#offsetSince ?? fetched.after);
    this.#fromStart = false;
    this.#full = entries.length >= this.#batchSize;
    if (this.#full) this.#ahead = this.#fetchAhead();
    return items;
  }

  /**
   * One XREAD (blocking when `blockMs` is given). The stream-state check is pipelined right behind
   * it unless recent reads began right after the position (a busy stream: then it is asked for only
   * when needed); a plain look always carries it.
   */
  async fetch(redis: RedisClient, blockMs: number | undefined): Promise<Fetched | null> {
    const after = this.#position;
    const client = entryClient(redis, this.#binary);
    const count = String(this.#batchSize);
    const key = this.#keys.main;
    const args =
      blockMs === undefined
        ? ['XREAD', 'COUNT', count, 'STREAMS', key, after]
        : ['XREAD', 'COUNT', count, 'BLOCK', String(blockMs), 'STREAMS', key, after];
    const reading = client.sendCommand(args);
    const checking = blockMs === undefined || !this.#successive ? this.#state(redis) : undefined;
    checking?.catch(() => {});
    const entries = streamEntriesOf(await reading);
    const first = entries[0];
    this.#successive = first !== undefined && isSuccessor(after, entryId(first));
    if (!checking && this.#successive && !this.#fromStart) return this.#unverified(after, entries);
    return this.#conclude(client, after, entries, await (checking ?? this.#state(redis)));
  }

  // A non-blocking read on the shared connection, checked only when the first id does not follow
  // the position. Never rejects: on failure the blocking path takes over.
  #fetchAhead(): Promise<Fetched | null> {
    const after = this.#position;
    const redis = this.#ipc.redis;
    const client = entryClient(redis, this.#binary);
    const read = async (): Promise<Fetched | null> => {
      const reply = await client.sendCommand([
        'XREAD',
        'COUNT',
        String(this.#batchSize),
        'STREAMS',
        this.#keys.main,
        after,
      ]);
      const entries = streamEntriesOf(reply);
      if (entries.length === 0) return null;
      if (!this.#fromStart && isSuccessor(after, entryId(entries[0]!)))
        return this.#unverified(after, entries);
      return this.#conclude(client, after, entries, await this.#state(redis));
    };
    return read().catch(() => null);
  }

  #unverified(after: string, entries: ReplyEntry[]): Fetched {
    const offset = this.#offset === undefined ? undefined : this.#offset + entries.length;
    return { after, entries, gap: undefined, gapIndex: 0, offset, verified: false };
  }

  #state(redis: RedisClient): Promise<StreamState> {
    return readInfoState(redis, this.#keys.main);
  }

  // Decides about gaps for entries read after `after`, with the state read after them.
  async #conclude(
    client: RedisClient,
    after: string,
    read: ReplyEntry[],
    checked: StreamState,
  ): Promise<Fetched | null> {
    let entries = read;
    let state = checked;
    let offset = this.#offset;
    // An XDEL inside batches taken unverified makes the counted offset wrong.
    const since = this.#offsetSince;
    if (
      since !== undefined &&
      state.maxDeletedId !== undefined &&
      compareIds(state.maxDeletedId, since) > 0
    ) {
      offset = undefined;
    }
    let judgement = judgeGap(after, offset, entries, state, false);
    if (judgement.unsure) {
      ({ entries, state } = await STATE.run(client, { key: this.#keys.main, after, count: this.#batchSize }));
      judgement = judgeGap(after, offset, entries, state, true);
    }
    let found = judgement.gap;
    // Starting from the beginning, history trimmed before the first read is not a gap.
    if (found && found.index === 0 && this.#fromStart && after === START_ID) found = undefined;
    if (!found) {
      if (entries.length === 0) return null;
      return { after, entries, gap: undefined, gapIndex: 0, offset: judgement.offset, verified: true };
    }
    const gap: StreamGap = {
      stream: this.#keys.name,
      after: found.after,
      before: found.before,
      count: found.count,
    };
    return {
      after,
      entries,
      gap: { gap, resumeAt: found.resumeAt },
      gapIndex: found.index,
      offset: judgement.offset,
      verified: true,
    };
  }
}
