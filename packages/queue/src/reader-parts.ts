import { type DecodeError, type IpcClient, type PayloadOptions, toIpcError } from '@redis-ipc/core';
import { BufferReturn } from './buffer-return.js';
import type { Dispatcher } from './dispatcher.js';
import type { DeadLetterEvent } from './events.js';
import { ItemDecoder } from './item-decoder.js';
import { Lease } from './lease.js';
import { Pump } from './pump.js';
import type { QueueKeys } from './queue-keys.js';
import type { ReadSettings } from './read-options.js';
import type { ReclaimReply } from './scripts/reclaim.js';
import { poppedOwner, Settlement } from './settlement.js';
import { LeasedTransport, PoppedTransport, type Transport } from './transport.js';

/** What the parts of a reader tell the reader (its façade). */
export interface ReaderHooks {
  /** Handlers run in a burst of quick ones: takes mark what they take as started. */
  readonly burst: boolean;
  /** Calls `visit` with the token of every buffered task. */
  forEachBuffered(visit: (seq: number) => void): void;
  leaseLost(): void;
  recovered(reply: ReclaimReply): void;
  /** The lease timer ticked (a moment to give back a buffer nobody draws from). */
  leaseTick(): void;
  deadLettered(event: DeadLetterEvent): void;
  decodeError(error: DecodeError): void;
  reportError(error: unknown): void;
  /** Aborts when the reader stops. */
  readonly stopSignal: AbortSignal;
  /** Whether the reader has stopped handing out tasks. */
  readonly stopped: boolean;
  /** The client closed under the refill loop: stop. */
  halt(error: unknown): void;
}

/** The single-purpose parts a reader is made of; `lease` and `settlement` for at-least-once only. */
export interface ReaderParts<T> {
  readonly lease: Lease | undefined;
  readonly settlement: Settlement<T> | undefined;
  readonly transport: Transport<T>;
  readonly pump: Pump<T>;
  readonly bufferReturn: BufferReturn<T>;
}

/** Wires the parts of one reader for its delivery mode. */
export function assembleReader<T>(
  ipc: IpcClient,
  keys: QueueKeys,
  consumerId: string,
  settings: ReadSettings,
  payload: PayloadOptions<T>,
  dispatcher: Dispatcher<T>,
  hooks: ReaderHooks,
): ReaderParts<T> {
  const reader = keys.reader(consumerId);
  const reportError = (error: unknown) => hooks.reportError(error);
  let lease: Lease | undefined;
  let settlement: Settlement<T> | undefined;
  let transport: Transport<T>;
  if (settings.atLeastOnce) {
    const { leaseMs, maxDeliveries } = settings;
    const leased = new Lease({
      ipc,
      keys,
      reader,
      consumerId,
      leaseMs,
      maxDeliveries,
      events: {
        lost: () => hooks.leaseLost(),
        recovered: (reply) => hooks.recovered(reply),
        tick: () => hooks.leaseTick(),
        error: reportError,
      },
    });
    const settling = new Settlement<T>(ipc, keys, reader, consumerId, maxDeliveries, {
      get generation() {
        return leased.generation;
      },
      delayed: (delayMs) => leased.wake(delayMs),
      deadLettered: (task, error, reason) =>
        hooks.deadLettered({
          id: task.id,
          reason: 'failed',
          deliveries: task.deliveries,
          ...(error === undefined ? {} : { error: reason }),
        }),
      reportError,
    });
    transport = new LeasedTransport<T>(ipc, keys, consumerId, settings, {
      allocate: (count) => leased.allocate(count),
      noteTaken: (reply) => {
        leased.noteRegistration(reply.newlyRegistered);
        if (reply.markedThrough > 0) settling.marked(reply.markedThrough);
      },
      get burst() {
        return hooks.burst;
      },
      get registered() {
        return leased.registered;
      },
      forEachKnown: (visit) => {
        settling.forEachHeld(visit);
        hooks.forEachBuffered(visit);
      },
      reportError,
    });
    lease = leased;
    settlement = settling;
  } else {
    transport = new PoppedTransport<T>(ipc, keys, consumerId, settings, reportError);
  }
  const decoder = new ItemDecoder<T>({
    ipc,
    keys,
    reader,
    consumerId,
    payload,
    decodeErrors: settings.decodeErrors,
    owner: settlement ?? poppedOwner,
    events: {
      undecodable: (error, id, deliveries) => {
        if (id !== undefined) hooks.deadLettered({ id, reason: 'decode', deliveries, error: error.message });
        hooks.decodeError(error);
      },
      reportError,
    },
  });
  const pump = new Pump<T>(
    {
      get generation() {
        return lease?.generation ?? 0;
      },
      stopSignal: hooks.stopSignal,
      get stopped() {
        return hooks.stopped;
      },
      skipOwnPollMs: settings.skipOwnPollMs,
      mayWaitBlindly: settings.skipProducer === '',
      get mustTakeFirst() {
        return transport.mustTakeFirst;
      },
      reportError,
      halt: (error) => hooks.halt(toIpcError(error)),
    },
    dispatcher,
    transport,
    decoder,
  );
  const bufferReturn = new BufferReturn(dispatcher, transport, pump, settings.leaseMs, () => hooks.stopped);
  return { lease, settlement, transport, pump, bufferReturn };
}
