import { type DecodeError, type IpcClient, isIpcError, type PayloadCodec, toIpcError } from '@redis-ipc/core';
import { integerOption } from '@redis-ipc/core/internal';
import { decodeEntry, entryClient } from '../entry-decoder.js';
import type { StreamEvent } from '../stream-event.js';
import { normalizeBound } from '../stream-id.js';
import type { StreamKeys } from '../stream-keys.js';
import { replyEntries } from '../stream-reply.js';

/** Options of {@link ReadStream.range}. */
export interface StreamRangeOptions {
  /**
   * Lowest id, inclusive (`'(<id>'` for exclusive), or `'-'` for the oldest event.
   * @default '-'
   */
  from?: string;
  /**
   * Highest id, inclusive (`'(<id>'` for exclusive), or `'+'` for the newest event.
   * @default '+'
   */
  to?: string;
  /**
   * Most events returned.
   * @default undefined (all of them: mind large streams)
   */
  count?: number;
  /**
   * Newest first.
   * @default false
   */
  reverse?: boolean;
}

/**
 * Looks at a stream without reading it: length, newest event, a range. None of these moves a
 * reader's cursor.
 */
export class StreamQueries<T> {
  readonly #ipc: IpcClient;
  readonly #keys: StreamKeys;
  readonly #payload: PayloadCodec<T>;

  constructor(ipc: IpcClient, keys: StreamKeys, payload: PayloadCodec<T>) {
    this.#ipc = ipc;
    this.#keys = keys;
    this.#payload = payload;
  }

  /** XLEN; 0 when the stream does not exist. */
  async len(): Promise<number> {
    return Number(await this.#send(['XLEN', this.#keys.main]));
  }

  /** The newest event, or `undefined` when the stream is empty. */
  async last(): Promise<StreamEvent<T> | undefined> {
    const [entry] = replyEntries(await this.#send(['XREVRANGE', this.#keys.main, '+', '-', 'COUNT', '1']));
    return entry ? decodeEntry(this.#payload, entry) : undefined;
  }

  /**
   * Events between two ids. Undecodable ones are passed to `onDecodeError`, which returns false when
   * nobody takes them: the call then rejects with that DecodeError.
   */
  async range(
    options: StreamRangeOptions,
    onDecodeError: (error: DecodeError) => boolean,
  ): Promise<Array<StreamEvent<T>>> {
    const key = this.#keys.main;
    const from = normalizeBound(options.from ?? '-', 'from');
    const to = normalizeBound(options.to ?? '+', 'to');
    const args = options.reverse ? ['XREVRANGE', key, to, from] : ['XRANGE', key, from, to];
    if (options.count !== undefined) {
      if (integerOption(options.count, 'count', 0) === 0) return [];
      args.push('COUNT', String(options.count));
    }
    const events: Array<StreamEvent<T>> = [];
    for (const entry of replyEntries(await this.#send(args))) {
      try {
        events.push(await decodeEntry(this.#payload, entry));
      } catch (error) {
        if (!isIpcError(error, 'IPC_DECODE') || !onDecodeError(error as DecodeError)) throw error;
      }
    }
    return events;
  }

  async #send(args: string[]): Promise<unknown> {
    try {
      return await entryClient(this.#ipc.redis, this.#payload.binary).sendCommand(args);
    } catch (error) {
      throw toIpcError(error);
    }
  }
}
