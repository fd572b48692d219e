import { type IpcClient, toIpcError } from '@redis-ipc/core';
import { integerOption } from '@redis-ipc/core/internal';
import { entryClient } from '../entry-decoder.js';
import { normalizeBound } from '../stream-id.js';
import type { StreamKeys } from '../stream-keys.js';
import { contentOf, entryId, fieldOf, optionalString, replyEntries } from '../stream-reply.js';
import { validateMember } from './options.js';

/** Options of {@link ConsumerGroup.pendingEntries}. */
export interface GroupPendingOptions {
  /**
   * Most entries returned.
   * @default 100
   */
  count?: number;
  /**
   * Only the entries of this consumer.
   * @default undefined (every consumer)
   */
  consumer?: string;
  /**
   * Only entries idle for at least this long, in ms.
   * @default undefined (any idle time)
   */
  minIdleMs?: number;
  /**
   * Lowest id.
   * @default '-'
   */
  from?: string;
  /**
   * Highest id.
   * @default '+'
   */
  to?: string;
}

/** Options of {@link ConsumerGroup.deadLetters}. */
export interface StreamDeadLetterOptions {
  /**
   * Most dead letters returned (oldest first).
   * @default 100
   */
  count?: number;
  /**
   * Lowest dead-letter id.
   * @default '-'
   */
  from?: string;
}

/** Summary of a group's delivered but unacknowledged events (XPENDING). */
export interface GroupPendingSummary {
  /** Number of pending events. */
  readonly count: number;
  /** Smallest pending id. */
  readonly minId: string | undefined;
  /** Largest pending id. */
  readonly maxId: string | undefined;
  /** Pending events per consumer. */
  readonly consumers: ReadonlyArray<{ readonly name: string; readonly pending: number }>;
}

/** One delivered but unacknowledged event. */
export interface GroupPendingEntry {
  /** The event id. */
  readonly id: string;
  /** The consumer that holds it. */
  readonly consumer: string;
  /** How long since it was delivered (or refreshed), in ms. */
  readonly idleMs: number;
  /** How many times it has been delivered. */
  readonly deliveries: number;
}

/** An entry of the dead-letter stream. */
export interface StreamDeadLetter {
  /** Its id in the dead-letter stream. */
  readonly id: string;
  /** The event's id in the source stream. */
  readonly sourceId: string;
  /** The group that gave up on it. */
  readonly group: string;
  /** The consumer that last held it. */
  readonly consumer: string;
  /** Deliveries before it was dead-lettered. */
  readonly deliveries: number;
  /** Why. */
  readonly reason: string;
  /** The error message. */
  readonly error: string;
  /** The event's encoded value exactly as stored (`undefined` if it had been trimmed already). */
  readonly content: string | Buffer | undefined;
}

/** Read-only looks at a group: its pending entries and the stream's dead letters. */
export class GroupQueries {
  readonly #ipc: IpcClient;
  readonly #keys: StreamKeys;
  readonly #group: string;
  readonly #binary: boolean;

  constructor(ipc: IpcClient, keys: StreamKeys, group: string, binary: boolean) {
    this.#ipc = ipc;
    this.#keys = keys;
    this.#group = group;
    this.#binary = binary;
  }

  /** XPENDING summary. */
  async pending(): Promise<GroupPendingSummary> {
    const reply = await this.#send(['XPENDING', this.#keys.main, this.#group], false);
    const [count, minId, maxId, consumers] = reply as [unknown, unknown, unknown, unknown];
    return {
      count: Number(count),
      minId: optionalString(minId),
      maxId: optionalString(maxId),
      consumers: Array.isArray(consumers)
        ? consumers.map((pair) => ({ name: String(pair[0]), pending: Number(pair[1]) }))
        : [],
    };
  }

  /** XPENDING with a range, oldest first. */
  async pendingEntries(options: GroupPendingOptions): Promise<GroupPendingEntry[]> {
    const count = integerOption(options.count ?? 100, 'count', 1);
    const args = ['XPENDING', this.#keys.main, this.#group];
    if (options.minIdleMs !== undefined)
      args.push('IDLE', String(Math.max(0, Math.floor(options.minIdleMs))));
    args.push(
      normalizeBound(options.from ?? '-', 'from'),
      normalizeBound(options.to ?? '+', 'to'),
      String(count),
    );
    if (options.consumer !== undefined) args.push(validateMember(options.consumer, 'consumer'));
    const reply = (await this.#send(args, false)) as unknown[][];
    return reply.map(([id, consumer, idle, deliveries]) => ({
      id: String(id),
      consumer: String(consumer),
      idleMs: Number(idle),
      deliveries: Number(deliveries),
    }));
  }

  /** Entries of the dead-letter stream, oldest first. */
  async deadLetters(options: StreamDeadLetterOptions): Promise<StreamDeadLetter[]> {
    const count = integerOption(options.count ?? 100, 'count', 1);
    const from = normalizeBound(options.from ?? '-', 'from');
    const reply = await this.#send(
      ['XRANGE', this.#keys.dead, from, '+', 'COUNT', String(count)],
      this.#binary,
    );
    return replyEntries(reply).map((entry) => {
      const fields = entry[1] ?? [];
      return {
        id: entryId(entry),
        sourceId: fieldOf(fields, 'source-id') ?? '',
        group: fieldOf(fields, 'group') ?? '',
        consumer: fieldOf(fields, 'consumer') ?? '',
        deliveries: Number(fieldOf(fields, 'deliveries') ?? 0),
        reason: fieldOf(fields, 'reason') ?? '',
        error: fieldOf(fields, 'error') ?? '',
        content: contentOf(entry),
      };
    });
  }

  async #send(args: string[], binary: boolean): Promise<unknown> {
    try {
      return await entryClient(this.#ipc.redis, binary).sendCommand(args);
    } catch (error) {
      throw toIpcError(error);
    }
  }
}
