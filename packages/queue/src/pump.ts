import { type IpcError, isIpcError, isTransientError, toIpcError } from '@redis-ipc/core';
import { retryTransient, sleep, validateTimeout } from '@redis-ipc/core/internal';
import type { Dispatcher } from './dispatcher.js';
import type { ItemDecoder } from './item-decoder.js';
import { MAX_BATCH } from './read-options.js';
import type { TakeReply, TakeStatus } from './scripts/take.js';
import type { Transport } from './transport.js';

/** What a {@link Pump} needs from its reader. */
export interface PumpHost {
  /** The lease generation now (0 for at-most-once readers). */
  readonly generation: number;
  /** Aborts when the reader stops. */
  readonly stopSignal: AbortSignal;
  /** Whether the reader stopped handing out tasks. */
  readonly stopped: boolean;
  /** With skipOwn: longest pause between looks while only the reader's own tasks wait. */
  readonly skipOwnPollMs: number;
  /** Whether a take may go straight to a blocking wait when the queue was empty (not with skipOwn). */
  readonly mayWaitBlindly: boolean;
  /** The transport must take (not wait) next: it has something to reconcile first. */
  readonly mustTakeFirst: boolean;
  reportError(error: unknown): void;
  /** The client closed: stop. */
  halt(error: unknown): void;
}

interface TakeOutcome {
  /** Items received (decodable or not). */
  readonly taken: number;
  readonly status: TakeStatus;
  readonly nextDueMs: number;
}

/**
 * The refill loop: one per reader fills the buffer for everyone waiting, with a batch take while tasks
 * are there, one blocking wait when the queue is empty, a short pause while only the reader's own tasks
 * wait (skipOwn), and backoff while Redis is unreachable.
 */
export class Pump<T> {
  readonly #host: PumpHost;
  readonly #dispatcher: Dispatcher<T>;
  readonly #transport: Transport<T>;
  readonly #decoder: ItemDecoder<T>;
  #running: Promise<void> | undefined;
  #taking: Promise<TakeOutcome> | undefined;
  // The blocking wait in progress: aborted when nobody wants a task any more.
  #wait: { readonly controller: AbortController; readonly ended: Promise<void> } | undefined;
  // Serves wait after wait until one is ended (an AbortController costs microseconds to make, and each
  // wait removes its listener when it settles); replaced once aborted.
  #waitController: AbortController | undefined;
  // Pauses in a row while only this client's own tasks wait (skipOwn): they grow, up to skipOwnPollMs.
  #ownPolls = 0;

  constructor(host: PumpHost, dispatcher: Dispatcher<T>, transport: Transport<T>, decoder: ItemDecoder<T>) {
    this.#host = host;
    this.#dispatcher = dispatcher;
    this.#transport = transport;
    this.#decoder = decoder;
  }

  /** Starts the loop unless it runs. */
  ensureRunning(): void {
    if (this.#running || this.#host.stopped) return;
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      if (this.#dispatcher.waiting > 0) this.ensureRunning();
    });
  }

  /** Takes once, without waiting (sharing a take already on its way); resolves with the items taken. */
  async takeOnce(want: number): Promise<number> {
    return (await this.#takeOnce(want)).taken;
  }

  /** Ends the blocking wait, if one runs; resolves once it has ended. */
  endWait(): Promise<void> | undefined {
    const wait = this.#wait;
    if (!wait) return undefined;
    if (this.#waitController === wait.controller) this.#waitController = undefined;
    wait.controller.abort();
    return wait.ended;
  }

  /** Resolves when no loop, take or wait is running. */
  async idle(): Promise<void> {
    await Promise.allSettled([this.#running, this.#taking, this.#wait?.ended]);
  }

  /** Calls `then` once the take or wait on its way (if any) has landed. */
  afterLanding(then: () => void): void {
    this.#taking?.then(then, then);
    this.#wait?.ended.then(then, then);
  }

  async #loop(): Promise<void> {
    const dispatcher = this.#dispatcher;
    const { stopSignal } = this.#host;
    // Only transient failures are retried (with backoff); each is reported.
    const onError = (error: IpcError) => {
      if (isTransientError(error)) this.#host.reportError(error);
    };
    while (dispatcher.wanted() > 0) {
      try {
        if ((await retryTransient(() => this.#step(), { signal: stopSignal, onError })) === 'done') break;
      } catch (error) {
        if (this.#host.stopped) break;
        const failure = toIpcError(error);
        // The wait was ended because nobody wants a task any more, or a retry fell due.
        if (isIpcError(failure, 'IPC_ABORTED') || isIpcError(failure, 'IPC_TIMEOUT')) continue;
        if (isIpcError(failure, 'IPC_CLOSED')) {
          this.#host.halt(failure);
          break;
        }
        this.#host.reportError(failure);
        dispatcher.fail(failure);
        break;
      }
    }
  }

  // One take or one wait; 'done' when nobody wants more for now.
  async #step(): Promise<'again' | 'done'> {
    const dispatcher = this.#dispatcher;
    const host = this.#host;
    dispatcher.serve();
    if (dispatcher.wanted() === 0) return 'done';
    // skipOwn needs a take's verdict (empty, or only our own tasks) before it may block; so does a
    // reconciliation, which runs before a take and never beside a blocking wait.
    if (
      dispatcher.queueWasEmpty &&
      dispatcher.waiting > 0 &&
      host.mayWaitBlindly &&
      !host.mustTakeFirst &&
      !this.#taking
    ) {
      await this.#waitForPush(-1);
      return 'again';
    }
    const outcome = await this.#takeOnce(dispatcher.wanted());
    if (outcome.taken > 0) {
      this.#ownPolls = 0;
      return 'again';
    }
    // A top-up found nothing: not worth a blocking wait while nobody is waiting.
    if (dispatcher.waiting === 0) return 'done';
    if (outcome.status === 'only-own') {
      // A blocking wait would wake at once on our own items: look again after a pause instead.
      await this.#pause(Math.min(host.skipOwnPollMs, 10 * 2 ** this.#ownPolls++));
      return 'again';
    }
    this.#ownPolls = 0;
    await this.#waitForPush(outcome.nextDueMs);
    return 'again';
  }

  async #pause(ms: number): Promise<void> {
    try {
      await sleep(ms, this.#host.stopSignal);
    } catch {
      // Stopped: the loop ends.
    }
  }

  #takeOnce(want: number): Promise<TakeOutcome> {
    this.#taking ??= this.#take(Math.min(MAX_BATCH, Math.max(1, want))).finally(() => {
      this.#taking = undefined;
    });
    return this.#taking;
  }

  async #take(want: number): Promise<TakeOutcome> {
    return this.#accept(await this.#transport.take(want), want);
  }

  async #waitForPush(nextDueMs: number): Promise<void> {
    let controller = this.#waitController;
    if (controller === undefined || controller.signal.aborted) {
      controller = new AbortController();
      this.#waitController = controller;
    }
    let ended!: () => void;
    const wait = { controller, ended: new Promise<void>((resolve) => (ended = resolve)) };
    this.#wait = wait;
    // A retry due in more than a timer can wait: as good as none.
    const timeoutMs = nextDueMs >= 0 ? validateTimeout(Math.max(1, nextDueMs)) : Number.POSITIVE_INFINITY;
    const want = Math.min(MAX_BATCH, Math.max(1, this.#dispatcher.wanted()));
    try {
      const reply = await this.#transport.wait(want, timeoutMs, controller.signal);
      if (this.#dispatcher.hasTakers) await this.#accept(reply, want);
      // What it brought after nobody wanted it any more goes back to the head of the queue at once.
      else await this.#transport.giveBack(reply);
    } finally {
      if (this.#wait === wait) this.#wait = undefined;
      ended();
    }
  }

  async #accept(reply: TakeReply, want: number): Promise<TakeOutcome> {
    const taken = reply.items.length;
    this.#dispatcher.noteTaken(taken, want);
    const outcome = { taken, status: reply.status, nextDueMs: reply.nextDueMs };
    if (taken === 0) return outcome;
    const generation = this.#host.generation;
    const { items, firstSeq, deliveries, suspects } = reply;
    for (let i = 0; i < items.length; i++) {
      let entry = this.#decoder.decode(
        items[i]!,
        firstSeq < 0 ? -1 : firstSeq + i,
        deliveries ? deliveries[i]! : 1,
        generation,
        suspects?.[i] === true,
      );
      if (entry instanceof Promise) entry = await entry;
      // Decoded after the lease was lost: the delivery belongs to others now.
      if (entry && generation === this.#host.generation) this.#dispatcher.accept(entry);
    }
    this.#dispatcher.serve();
    return outcome;
  }
}
