import { type IpcClient, isIpcError, TimeoutError, toIpcError } from '@redis-ipc/core';
import { sharedDeadline, waitFor } from '@redis-ipc/core/internal';
import { START_ID } from '../stream-id.js';
import { readInfoState } from '../stream-info.js';
import type { Deliverer } from './deliverer.js';
import type { Fetched, StreamFetcher } from './fetcher.js';

/**
 * Fills a fan-out reader's buffer: fixes a reader started at `'$'` to the stream's last id (once),
 * takes the batch read ahead when there is one, and otherwise blocks for new events on a connection
 * of its own. Knows nothing of locks, iterators or listeners.
 */
export class BufferFiller<T> {
  readonly #ipc: IpcClient;
  readonly #key: string;
  readonly #fetcher: StreamFetcher;
  readonly #deliverer: Deliverer<T>;
  readonly #closed: () => boolean;
  #pinning: Promise<void> | undefined;

  /** `closed`: whether the reader is closed (a fetch that lands then is dropped). */
  constructor(
    ipc: IpcClient,
    key: string,
    fetcher: StreamFetcher,
    deliverer: Deliverer<T>,
    closed: () => boolean,
  ) {
    this.#ipc = ipc;
    this.#key = key;
    this.#fetcher = fetcher;
    this.#deliverer = deliverer;
    this.#closed = closed;
  }

  /** Fixes the cursor of a reader started at `'$'` to the stream's last id; at once for the others. */
  async pin(): Promise<void> {
    if (this.#deliverer.cursor !== undefined) return;
    this.#pinning ??= readInfoState(this.#ipc.redis, this.#key).then(
      (state) => {
        if (this.#deliverer.cursor !== undefined) return;
        this.#deliverer.cursor = state.lastId ?? START_ID;
        this.#fetcher.start(this.#deliverer.cursor, state.added ?? 0, false);
      },
      (error: unknown) => {
        this.#pinning = undefined;
        throw toIpcError(error);
      },
    );
    await this.#pinning;
  }

  /**
   * Fetches at least one item into the (empty) buffer, or rejects. Work on the shared connection is
   * raced against the caller's deadline and signal (a result that comes too late is dropped: XREAD
   * consumes nothing, and the cursor has not moved).
   */
  async fill(deadline: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    const lookDeadline = sharedDeadline(deadline, this.#ipc.redis.isReady);
    if (this.#deliverer.cursor === undefined) await waitFor(this.pin(), signal, lookDeadline, timeoutMs);
    // A backlog: the next batch is probably there already (or on its way), no need to block for it.
    const ahead = this.#fetcher.takeAhead();
    if (ahead) {
      const fetched = await waitFor(ahead, signal, lookDeadline, timeoutMs);
      if (fetched && this.#accept(fetched)) return;
    }
    const remaining = deadline - performance.now();
    let fetched: Fetched | null;
    if (remaining < 1) {
      fetched = await waitFor(
        this.#fetcher.fetch(this.#ipc.redis, undefined),
        signal,
        lookDeadline,
        timeoutMs,
      );
      if (!fetched) throw new TimeoutError(timeoutMs);
    } else {
      try {
        fetched = await this.#ipc.blocking((redis, wait) => this.#fetcher.fetch(redis, wait.ms), {
          timeoutMs: Number.isFinite(timeoutMs) ? remaining : Number.POSITIVE_INFINITY,
          signal,
        });
      } catch (error) {
        // Report the caller's timeout, not what was left of it.
        if (isIpcError(error, 'IPC_TIMEOUT')) throw new TimeoutError(timeoutMs, { cause: error });
        throw error;
      }
    }
    this.#accept(fetched);
  }

  #accept(fetched: Fetched): boolean {
    if (this.#closed()) return false;
    const items = this.#fetcher.accept(fetched);
    if (!items) return false;
    if (this.#deliverer.buffer.size === 0) this.#deliverer.buffer.refill(items);
    else this.#deliverer.buffer.push(items);
    return true;
  }
}
