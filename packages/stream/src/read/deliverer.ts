import type { DecodeError, PayloadCodec } from '@redis-ipc/core';
import { decodeEntry } from '../entry-decoder.js';
import { GapError } from '../gap-error.js';
import type { StreamEvent, StreamGap } from '../stream-event.js';
import { entryId } from '../stream-reply.js';
import { EventBuffer } from './event-buffer.js';
import { isGapItem, type ReadItem } from './fetcher.js';

/** Who hears of gaps and undecodable events met by the iterator's fast path. */
export interface DeliveryListener {
  gapListened(): boolean;
  gap(gap: StreamGap): void;
  decodeListened(): boolean;
  decodeError(error: DecodeError): void;
}

/**
 * Hands a fan-out reader's fetched items out, in order, and keeps its cursor: the id of the last
 * event delivered, moved past a gap when the gap is reported, and past an undecodable event only
 * when someone was told of it.
 */
export class Deliverer<T> {
  /** Fetched items not handed out yet. */
  readonly buffer = new EventBuffer<ReadItem>();
  /** The id of the last event delivered; `undefined` until a reader started at `'$'` is pinned. */
  cursor: string | undefined;
  readonly #payload: PayloadCodec<T>;
  readonly #listener: DeliveryListener;

  constructor(payload: PayloadCodec<T>, listener: DeliveryListener) {
    this.#payload = payload;
    this.#listener = listener;
  }

  // Takes the next buffered item; throws GapError / DecodeError at once. The cursor moves past a gap,
  // and past an undecodable event when `pastUndecodable` (the pull methods) says so.
  takeOne(pastUndecodable: boolean): StreamEvent<T> | Promise<StreamEvent<T>> {
    const item = this.buffer.peek()!;
    if (isGapItem(item)) {
      this.buffer.shift();
      this.cursor = item.resumeAt;
      throw new GapError(item.gap);
    }
    const id = entryId(item);
    const moveOn = () => {
      this.buffer.shift();
      this.cursor = id;
    };
    let decoded: StreamEvent<T> | Promise<StreamEvent<T>>;
    try {
      decoded = decodeEntry(this.#payload, item, id);
    } catch (error) {
      if (pastUndecodable) moveOn();
      throw error;
    }
    if (!(decoded instanceof Promise)) {
      moveOn();
      return decoded;
    }
    return decoded.then(
      (event) => {
        moveOn();
        return event;
      },
      (error: unknown) => {
        if (pastUndecodable) moveOn();
        throw error;
      },
    );
  }

  // Moves past the undecodable event at the head of the buffer (reported by the iterator).
  skipUndecodable(): void {
    const item = this.buffer.peek();
    if (item === undefined || isGapItem(item)) return;
    this.buffer.shift();
    this.cursor = entryId(item);
  }

  async takeMany(count: number): Promise<Array<StreamEvent<T>>> {
    const events: Array<StreamEvent<T>> = [];
    while (events.length < count && this.buffer.size > 0) {
      const item = this.buffer.peek()!;
      if (isGapItem(item) && events.length > 0) break;
      let event: StreamEvent<T>;
      try {
        event = await this.takeOne(events.length === 0);
      } catch (error) {
        if (events.length > 0) break;
        throw error;
      }
      events.push(event);
    }
    return events;
  }

  // The iterator's fast path: the next event when it is buffered and decodes without waiting; gaps
  // and undecodable events are reported on the way when someone listens. Never throws.
  fastNext(): StreamEvent<T> | undefined {
    while (this.buffer.size > 0 && this.#payload.schema === undefined) {
      const item = this.buffer.peek()!;
      if (isGapItem(item)) {
        if (!this.#listener.gapListened()) return undefined;
        this.buffer.shift();
        this.cursor = item.resumeAt;
        this.#listener.gap(item.gap);
        continue;
      }
      const id = entryId(item);
      try {
        const event = decodeEntry(this.#payload, item, id) as StreamEvent<T>;
        this.buffer.shift();
        this.cursor = id;
        return event;
      } catch (error) {
        // Nobody to tell: the slow path rejects with it, the cursor still before it.
        if (!this.#listener.decodeListened()) return undefined;
        this.buffer.shift();
        this.cursor = id;
        this.#listener.decodeError(error as DecodeError);
      }
    }
    return undefined;
  }
}
