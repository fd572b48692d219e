import { type IpcClient, toIpcError } from '@redis-ipc/core';
import { integerOption } from '@redis-ipc/core/internal';
import { type DeadLetter, parseDeadLetter } from './dead-letter.js';
import type { QueueKeys } from './queue-keys.js';
import { countsScript, type QueueCounts } from './scripts/counts.js';
import { requeueDeadScript } from './scripts/requeue-dead.js';

/** Options of {@link ReadQueue.deadLetters}. */
export interface DeadLettersOptions {
  /**
   * Records to skip, newest first.
   * @default 0
   */
  offset?: number;
  /**
   * Most records to return.
   * @default 100
   */
  count?: number;
}

/** Options of {@link ReadQueue.requeueDeadLetters}. */
export interface RequeueDeadLettersOptions {
  /**
   * Most records to move back, oldest first.
   * @default Infinity (all)
   */
  count?: number;
}

const REQUEUE_CHUNK = 1000;

/** Queries and maintenance of one queue that need no reader: counts and the dead-letter list. */
export class QueueAdmin {
  readonly #ipc: IpcClient;
  readonly #keys: QueueKeys;

  constructor(ipc: IpcClient, keys: QueueKeys) {
    this.#ipc = ipc;
    this.#keys = keys;
  }

  /** Number of tasks waiting to be taken. */
  async length(): Promise<number> {
    return Number(await this.#command(['LLEN', this.#keys.main]));
  }

  /** The queue's tasks by state. */
  async counts(): Promise<QueueCounts> {
    try {
      // The readers first, so that the script is given every key it reads.
      const consumers = (await this.#ipc.redis.sendCommand(['ZRANGE', this.#keys.consumers, '0', '-1'])) as
        | string[]
        | null;
      return await countsScript.run(this.#ipc.redis, {
        main: this.#keys.main,
        delayed: this.#keys.delayed,
        dead: this.#keys.dead,
        readers: (consumers ?? []).map((consumer) => this.#keys.reader(String(consumer))),
      });
    } catch (error) {
      throw toIpcError(error);
    }
  }

  /** Records of the dead-letter list, newest first. */
  async deadLetters(options: DeadLettersOptions = {}): Promise<DeadLetter[]> {
    const offset = integerOption(options.offset ?? 0, 'offset', 0);
    const count = integerOption(options.count ?? 100, 'count', 1);
    const records = (await this.#command([
      'LRANGE',
      this.#keys.dead,
      String(offset),
      String(offset + count - 1),
    ])) as string[] | null;
    return (records ?? []).map((record) => parseDeadLetter(String(record)));
  }

  /** Number of records in the dead-letter list. */
  async deadLetterCount(): Promise<number> {
    return Number(await this.#command(['LLEN', this.#keys.dead]));
  }

  /** Moves dead-lettered tasks back into the queue with fresh delivery counts; resolves with how many. */
  async requeueDeadLetters(options: RequeueDeadLettersOptions = {}): Promise<number> {
    const limit = options.count ?? Number.POSITIVE_INFINITY;
    if (limit !== Number.POSITIVE_INFINITY) integerOption(limit, 'count', 0);
    let moved = 0;
    while (moved < limit) {
      const chunk = Math.min(REQUEUE_CHUNK, limit - moved);
      let reply: { moved: number };
      try {
        reply = await requeueDeadScript.run(this.#ipc.redis, {
          dead: this.#keys.dead,
          main: this.#keys.main,
          deliveries: this.#keys.deliveries,
          limit: chunk,
        });
      } catch (error) {
        throw toIpcError(error);
      }
      moved += reply.moved;
      if (reply.moved < chunk) break;
    }
    return moved;
  }

  /** Empties the dead-letter list; resolves with how many records it held. */
  async deleteDeadLetters(): Promise<number> {
    try {
      const [count] = await this.#ipc.redis.multi().lLen(this.#keys.dead).unlink(this.#keys.dead).exec();
      return Number(count);
    } catch (error) {
      throw toIpcError(error);
    }
  }

  async #command(args: string[]): Promise<unknown> {
    try {
      return await this.#ipc.redis.sendCommand(args);
    } catch (error) {
      throw toIpcError(error);
    }
  }
}
