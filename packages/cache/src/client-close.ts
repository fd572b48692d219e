import type { IpcClient } from '@redis-ipc/core';
import { onAbort } from '@redis-ipc/core/internal';

interface Listeners {
  readonly all: Set<() => void>;
  readonly off: () => void;
}

const byClient = new WeakMap<IpcClient, Listeners>();

/**
 * Calls `listener` once when `ipc` closes (at once if it has), and returns the function that removes it. However many
 * caches of a client wait, its close signal holds one listener (eleven would print Node's
 * MaxListenersExceededWarning), and none once no cache waits.
 */
export function onClientClose(ipc: IpcClient, listener: () => void): () => void {
  if (ipc.closeSignal.aborted) {
    listener();
    return () => {};
  }
  let listeners = byClient.get(ipc);
  if (!listeners) {
    const all = new Set<() => void>();
    const off = onAbort(ipc.closeSignal, () => {
      byClient.delete(ipc);
      for (const each of [...all]) each();
    });
    listeners = { all, off };
    byClient.set(ipc, listeners);
  }
  const { all, off } = listeners;
  all.add(listener);
  return () => {
    if (!all.delete(listener) || all.size > 0) return;
    off();
    if (byClient.get(ipc) === listeners) byClient.delete(ipc);
  };
}
