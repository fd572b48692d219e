import { DecodeError, type IpcClient, PayloadCodec, type PayloadOptions } from '@redis-ipc/core';
import { retryTransient } from '@redis-ipc/core/internal';
import type { Entry } from './dispatcher.js';
import { type Decoded, Envelope, ItemHead, NEEDS_FULL_DECODE } from './envelope.js';
import type { QueueKeys, ReaderKeys } from './queue-keys.js';
import type { DecodeErrorPolicy } from './read-options.js';
import { deadLetterScript } from './scripts/dead-letter.js';
import { QueueTask, type TaskOwner } from './task.js';

// One taken item.
interface Taken {
  readonly item: string;
  readonly seq: number;
  readonly deliveries: number;
}

/** What an {@link ItemDecoder} tells its reader. */
export interface DecoderEvents {
  /** An item could not be decoded; it is in the dead-letter list now (`deadLettered`: by this call). */
  readonly undecodable: (error: DecodeError, id: string | undefined, deliveries: number) => void;
  readonly reportError: (error: unknown) => void;
}

/** Settings of an {@link ItemDecoder}. */
export interface ItemDecoderOptions<T> {
  readonly ipc: IpcClient;
  readonly keys: QueueKeys;
  readonly reader: ReaderKeys;
  readonly consumerId: string;
  readonly payload: PayloadOptions<T>;
  readonly decodeErrors: DecodeErrorPolicy;
  readonly owner: TaskOwner<T>;
  readonly events: DecoderEvents;
}

/**
 * Turns taken items into tasks. An item that cannot be decoded (or fails the schema) is moved to the
 * dead-letter list, delivery by delivery (two identical bad items are two records), and becomes a
 * {@link DecodeError} entry, or nothing when `decodeErrors` is `'skip'`. Synchronous unless a schema is
 * asynchronous, so a batch costs no promise per item.
 */
export class ItemDecoder<T> {
  readonly #options: ItemDecoderOptions<T>;
  readonly #envelope: Envelope<T>;
  // Filled by each fast decode, read at once: no object per item.
  readonly #head = new ItemHead();

  constructor(options: ItemDecoderOptions<T>) {
    this.#options = options;
    this.#envelope = new Envelope(new PayloadCodec(options.payload), undefined);
  }

  /**
   * The entry for one taken item: its token `seq` (-1 when popped), its deliveries so far, under lease
   * generation `generation`; `suspect` when it must run with an exact started mark.
   */
  decode(
    item: string,
    seq: number,
    deliveries: number,
    generation: number,
    suspect: boolean,
  ): Entry<T> | undefined | Promise<Entry<T> | undefined> {
    const { owner } = this.#options;
    const head = this.#head;
    const fast = this.#envelope.decodeFast(item, head);
    if (fast !== NEEDS_FULL_DECODE) {
      return new QueueTask(owner, item, seq, deliveries, generation, head.id, fast, head.producer, suspect);
    }
    let decoded: Decoded<T> | Promise<Decoded<T>>;
    try {
      decoded = this.#envelope.decode(item, undefined);
    } catch (error) {
      return this.#undecodable({ item, seq, deliveries }, error);
    }
    if (decoded instanceof Promise) {
      return decoded.then(
        ({ parsed, value }) =>
          new QueueTask(owner, item, seq, deliveries, generation, parsed.id, value, parsed.producer, suspect),
        (error: unknown) => this.#undecodable({ item, seq, deliveries }, error),
      );
    }
    const { parsed, value } = decoded;
    return new QueueTask(
      owner,
      item,
      seq,
      deliveries,
      generation,
      parsed.id,
      value,
      parsed.producer,
      suspect,
    );
  }

  async #undecodable(taken: Taken, error: unknown): Promise<Entry<T> | undefined> {
    if (!(error instanceof DecodeError)) throw error;
    const { ipc, keys, reader, consumerId, events } = this.#options;
    const id = await retryTransient(
      () =>
        deadLetterScript.run(ipc.redis, {
          inflight: reader.inflight,
          deliveries: keys.deliveries,
          dead: keys.dead,
          seq: taken.seq >= 0 ? taken.seq : undefined,
          reason: `undecodable: ${error.message}`,
          delivered: taken.deliveries,
          consumerId,
          item: taken.item,
        }),
      { signal: ipc.closeSignal },
    ).catch((failure: unknown) => {
      events.reportError(failure);
      return undefined;
    });
    events.undecodable(error, id, taken.deliveries);
    return this.#options.decodeErrors === 'throw' ? error : undefined;
  }
}
