import { ClosedError, DecodeError, isIpcError, type PayloadCodec } from '@redis-ipc/core';
import { tryDecodeUnchecked } from '../entry-decoder.js';
import { GapError } from '../gap-error.js';
import { contentOf, describeFields } from '../stream-reply.js';
import type { DeadLetters } from './dead-letters.js';
import { GroupDelivery } from './delivery.js';
import { type Delivery, type GroupReader, isGapItem } from './group-reader.js';
import type { Leases } from './leases.js';
import type { StartMarks } from './start-marks.js';

/** What the taker needs from the consumer around it. */
export interface EventTakerHost {
  /** Whether the consumer is closing. */
  closing(): boolean;
  /** An event could not be decoded (it is dead-lettered). */
  decodeError(error: DecodeError): void;
  /** Resolves once no handler of this consumer runs, or after a bounded wait (a suspect waits for that). */
  handlersSettled(): Promise<void>;
}

/**
 * Takes a consumer's events out of its reader's buffer and decodes them; an undecodable one is
 * dead-lettered (never handed out, never lost), a gap becomes a GapError. A reclaimed event is taken
 * alone, once its start is marked (see {@link StartMarks}); a suspect one once no handler runs, too.
 */
export class EventTaker<T> {
  readonly #reader: GroupReader;
  readonly #payload: PayloadCodec<T>;
  readonly #leases: Leases;
  readonly #deadLetters: DeadLetters;
  readonly #marks: StartMarks;
  readonly #host: EventTakerHost;

  constructor(
    reader: GroupReader,
    payload: PayloadCodec<T>,
    parts: { leases: Leases; deadLetters: DeadLetters; marks: StartMarks },
    host: EventTakerHost,
  ) {
    this.#reader = reader;
    this.#payload = payload;
    this.#leases = parts.leases;
    this.#deadLetters = parts.deadLetters;
    this.#marks = parts.marks;
    this.#host = host;
  }

  /** Takes up to `count` events (at least one), fetching when the buffer is empty. Run it under the consumer's lock. */
  async take(
    count: number,
    deadline: number,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<Array<GroupDelivery<T>>> {
    const events: Array<GroupDelivery<T>> = [];
    const buffer = this.#reader.buffer;
    while (events.length === 0) {
      if (this.#host.closing()) throw new ClosedError('The consumer group is closed');
      if (buffer.size === 0) await this.#reader.fill(deadline, timeoutMs, signal);
      while (events.length < count && buffer.size > 0) {
        const item = buffer.peek()!;
        if (isGapItem(item)) {
          if (events.length > 0) return events;
          buffer.shift();
          throw new GapError(item.gap);
        }
        // A reclaimed event goes out alone, marked: a crash in its handler counts it, and only it.
        if (item.reclaimed && events.length > 0) return events;
        buffer.shift();
        const event = await this.#decode(item);
        if (!event) continue;
        if (item.reclaimed) {
          if (item.suspect) {
            await this.#host.handlersSettled();
            event.runAlone = true;
          }
          await this.#marks.mark(event);
          event.marked = true;
          return [event];
        }
        events.push(event);
      }
    }
    return events;
  }

  async #decode(delivery: Delivery): Promise<GroupDelivery<T> | undefined> {
    const { id, entry, deliveries } = delivery;
    const content = contentOf(entry);
    try {
      if (content === undefined) {
        throw new DecodeError(`Entry ${id} has no "content" field`, { raw: describeFields(entry), id });
      }
      const value =
        this.#payload.schema === undefined
          ? this.#payload.decodeUnchecked(content, id)
          : await this.#payload.decode(content, id);
      return new GroupDelivery(id, value, deliveries);
    } catch (error) {
      if (!isIpcError(error, 'IPC_DECODE')) throw error;
      this.#host.decodeError(error as DecodeError);
      this.#leases.settle(id);
      // Not awaited: if it fails, the entry stays pending and comes back through a reclaim.
      void this.#deadLetters.move(id, deliveries, 'decode', (error as Error).message);
      return undefined;
    }
  }

  // Events already buffered that decode without waiting, taken at once; undefined when there are
  // none (or the next needs the slow path: a gap, a reclaimed event, a schema, a decode failure).
  takeReady(count: number): Array<GroupDelivery<T>> | undefined {
    if (this.#payload.schema !== undefined) return undefined;
    const buffer = this.#reader.buffer;
    let events: Array<GroupDelivery<T>> | undefined;
    while ((events?.length ?? 0) < count && buffer.size > 0) {
      const item = buffer.peek()!;
      if (isGapItem(item) || item.reclaimed) break;
      const value = tryDecodeUnchecked(this.#payload, item.entry, item.id);
      if (value === undefined) break;
      buffer.shift();
      events ??= [];
      events.push(new GroupDelivery(item.id, value, item.deliveries));
    }
    return events;
  }
}
