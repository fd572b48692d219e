import { AckBatcher } from '@redis-ipc/core/internal';
import type { GroupScope } from './group-scope.js';
import type { Leases } from './leases.js';
import type { StartMarks } from './start-marks.js';

// XACK argument lists are cut into chunks of this many ids.
const ID_CHUNK = 1000;

/**
 * A consumer's acknowledgements: an acked event is no longer held, and the acks made in the same
 * tick go out as one XACK (with one HDEL of the start marks of those that had one).
 */
export class GroupAcks {
  readonly #scope: GroupScope;
  readonly #leases: Leases;
  readonly #marks: StartMarks;
  readonly #stop = new AbortController();
  readonly #batcher: AckBatcher<string>;

  constructor(scope: GroupScope, leases: Leases, marks: StartMarks, reportError: (error: unknown) => void) {
    this.#scope = scope;
    this.#leases = leases;
    this.#marks = marks;
    this.#batcher = new AckBatcher<string>({
      send: (ids) => this.#send(ids),
      onError: reportError,
      stop: this.#stop.signal,
    });
  }

  /** Acknowledges `id`; resolves when its XACK has been stored. */
  ack(id: string): Promise<void> {
    this.#leases.settle(id);
    return this.#batcher.add(id);
  }

  /** Sends what is pending; resolves when every XACK has settled. */
  drain(): Promise<void> {
    return this.#batcher.drain();
  }

  /** Stops retrying XACKs that failed. */
  stop(): void {
    this.#stop.abort();
  }

  async #send(ids: readonly string[]): Promise<void> {
    const { ipc, keys, group } = this.#scope;
    const sending: Array<Promise<unknown>> = [];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      sending.push(ipc.redis.sendCommand(['XACK', keys.main, group, ...ids.slice(i, i + ID_CHUNK)]));
    }
    const unmarking = this.#marks.acknowledged(ids);
    if (unmarking) sending.push(unmarking);
    await Promise.all(sending);
  }
}
