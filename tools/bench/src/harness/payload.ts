import { nowNs } from './clock.js';

/** The message every scenario moves: a small JSON object of about 100 bytes once encoded. */
export interface Task {
  /** 0 … n-1: lets the consumer count distinct tasks. */
  id: number;
  /** {@link nowNs} when the producer handed it over: lets the consumer measure hand-off latency. */
  sentAt: number;
  kind: string;
  user: string;
  note: string;
}

const NOTE = 'lorem ipsum dolor';

/** Task number `id`, stamped now. */
export function makeTask(id: number): Task {
  return {
    id,
    sentAt: nowNs(),
    kind: 'order.created',
    user: `user-${String(id % 100_000).padStart(6, '0')}`,
    note: NOTE,
  };
}

/** Size of an encoded task in bytes (reported in the tables). */
export function taskBytes(): number {
  return Buffer.byteLength(JSON.stringify(makeTask(12_345)));
}

/** Reads the task out of whatever a peer hands back (object or JSON text). */
export function asTask(value: unknown): Task {
  return (typeof value === 'string' ? JSON.parse(value) : value) as Task;
}
